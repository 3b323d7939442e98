//! Reading a rendered job back as text: the inverse of `render` for the commands it
//! emits. Tests use it to assert exactly what a slip says; the spool simulator can use
//! it for the readable `.txt` beside each job. An unknown command is an error, so a
//! change to the renderer cannot slip bytes past the tests unseen.

/// What went wrong reading a job back.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown command {0:02X?} at byte {1}")]
    UnknownCommand(Vec<u8>, usize),
    #[error("command cut short at byte {0}")]
    Truncated(usize),
    #[error("text at byte {0} is not valid GBK")]
    NotGbk(usize),
}

/// The text of an ESC/POS job: printed lines end with "\n" (LF or ESC d n, n times),
/// a QR code shows as a line "[QR] payload", and every other command is dropped.
pub fn slip_text(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut out = String::new();
    let mut qr_data: Vec<u8> = Vec::new();
    let mut i = 0;
    let need = |n: usize, i: usize| {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(DecodeError::Truncated(i))
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            0x0A => {
                out.push('\n');
                i += 1;
            }
            0x1B => {
                need(2, i)?;
                match bytes[i + 1] {
                    b'@' => i += 2,
                    b'a' | b'E' | b'!' | b'-' | b'M' | b'J' | b'3' => {
                        need(3, i)?;
                        i += 3;
                    }
                    b'2' => i += 2,
                    b'd' => {
                        need(3, i)?;
                        out.extend(std::iter::repeat_n('\n', bytes[i + 2] as usize));
                        i += 3;
                    }
                    _ => return Err(DecodeError::UnknownCommand(bytes[i..i + 2].to_vec(), i)),
                }
            }
            0x1C => {
                need(2, i)?;
                match bytes[i + 1] {
                    b'&' | b'.' => i += 2,
                    _ => return Err(DecodeError::UnknownCommand(bytes[i..i + 2].to_vec(), i)),
                }
            }
            0x1D => {
                need(2, i)?;
                match bytes[i + 1] {
                    b'!' => {
                        need(3, i)?;
                        i += 3;
                    }
                    b'V' => {
                        need(3, i)?;
                        // Functions A and B (65, 66) carry a feed amount byte.
                        let length = if matches!(bytes[i + 2], 65 | 66) {
                            4
                        } else {
                            3
                        };
                        need(length, i)?;
                        i += length;
                    }
                    b'(' => {
                        need(5, i)?;
                        if bytes[i + 2] != b'k' {
                            return Err(DecodeError::UnknownCommand(bytes[i..i + 3].to_vec(), i));
                        }
                        let length = bytes[i + 3] as usize + 256 * bytes[i + 4] as usize;
                        need(5 + length, i)?;
                        let params = &bytes[i + 5..i + 5 + length];
                        match params {
                            // QR: store data (fn 180), then print the stored symbol (fn 181).
                            [49, 80, 48, data @ ..] => qr_data = data.to_vec(),
                            [49, 81, 48] => {
                                out.push_str("[QR] ");
                                out.push_str(&String::from_utf8_lossy(&qr_data));
                                out.push('\n');
                            }
                            _ => {}
                        }
                        i += 5 + length;
                    }
                    _ => return Err(DecodeError::UnknownCommand(bytes[i..i + 2].to_vec(), i)),
                }
            }
            byte if byte < 0x20 => {
                return Err(DecodeError::UnknownCommand(vec![byte], i));
            }
            _ => {
                let start = i;
                while i < bytes.len() && bytes[i] >= 0x20 {
                    i += 1;
                }
                let text = encoding_rs::GBK
                    .decode_without_bom_handling_and_without_replacement(&bytes[start..i])
                    .ok_or(DecodeError::NotGbk(start))?;
                out.push_str(&text);
            }
        }
    }
    Ok(out)
}
