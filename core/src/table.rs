//! Export rows with named columns, as JSON (an array of objects) or CSV, the same for
//! the kiosk's exports and the district's, so a file from either reads the same.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// Rows with named columns, in column order for CSV.
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let mut object = Map::new();
                    for (column, value) in self.columns.iter().zip(row) {
                        object.insert(column.to_string(), value.clone());
                    }
                    Value::Object(object)
                })
                .collect(),
        )
    }

    /// RFC 4180, quoting only the cells that need it. Lists (tags, skills) become
    /// `a;b`, so a spreadsheet keeps one record per line.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| c.to_string()).collect();
        write_record(&mut out, &header);
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(cell).collect();
            write_record(&mut out, &cells);
        }
        out
    }
}

/// Text a spreadsheet would not run: a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is a formula (or becomes one) in Excel, LibreOffice and WPS,
/// so a name typed as `=HYPERLINK(…)` could act on the machine of whoever opens the
/// export (CSV injection). Such text gets a leading `'`, which spreadsheets show as
/// text and do not print. Numbers are not text and are left alone (a cost of -5 stays
/// a number).
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One value as a CSV cell's text, safe to open in a spreadsheet.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => spreadsheet_safe(s).into_owned(),
        Value::Array(items) => {
            let joined = items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect::<Vec<_>>()
                .join(";");
            spreadsheet_safe(&joined).into_owned()
        }
        other => other.to_string(),
    }
}

fn write_record(out: &mut String, cells: &[String]) {
    for (index, text) in cells.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        // A lone empty cell is quoted so the line is not read as a blank line.
        let quote = text.contains([',', '"', '\n', '\r']) || (cells.len() == 1 && text.is_empty());
        if quote {
            out.push('"');
            out.push_str(&text.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(text);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_that_need_it_are_quoted_and_lists_joined() {
        let table = Table {
            columns: vec!["name", "address", "tags", "n"],
            rows: vec![vec![
                json!("张三"),
                json!("1栋, \"东\"门"),
                json!(["elderly_60", "living_alone"]),
                json!(3),
            ]],
        };
        assert_eq!(
            table.to_csv(),
            "name,address,tags,n\n张三,\"1栋, \"\"东\"\"门\",elderly_60;living_alone,3\n"
        );
        assert_eq!(table.to_json()[0]["tags"][1], "living_alone");
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised() {
        let table = Table {
            columns: vec!["name", "address", "tags", "cost"],
            rows: vec![
                vec![
                    json!("=HYPERLINK(\"http://x\",\"点击\")"),
                    json!("+86 1栋"),
                    json!(["-1", "ok"]),
                    json!(-5),
                ],
                vec![json!("@SUM(A1)"), json!("\tA"), json!(["a"]), json!(0)],
                vec![json!("\r=1"), json!("张-三"), json!([]), json!(1)],
            ],
        };
        assert_eq!(
            table.to_csv(),
            "name,address,tags,cost\n\
             \"'=HYPERLINK(\"\"http://x\"\",\"\"点击\"\")\",'+86 1栋,'-1;ok,-5\n\
             '@SUM(A1),'\tA,a,0\n\
             \"'\r=1\",张-三,,1\n"
        );
        // JSON is not a spreadsheet: it keeps the text as it is.
        assert_eq!(
            table.to_json()[0]["name"],
            "=HYPERLINK(\"http://x\",\"点击\")"
        );
        assert_eq!(spreadsheet_safe("李四"), "李四");
    }
}
