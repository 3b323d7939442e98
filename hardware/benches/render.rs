//! Rendering every slip kind to ESC/POS at both widths, printed as a table (run with
//! `cargo bench -p linli-hardware --bench render`; figures go in docs/benchmarks.md).
//! Target: under 200 µs per slip, so a slip is bytes long before the printer is asked.
//! Without `--bench` (as `cargo test --benches` runs it) it takes a few samples only.

use std::time::{Duration, Instant};

use linli_core::receipt::ReceiptKind;
use linli_hardware::receipt::{render_to_vec, Paper};

#[path = "../tests/common/fixtures.rs"]
mod fixtures;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 2_000 } else { 20 };
    println!("\n## Slip rendering ({runs} renders each)\n");
    println!("| slip | paper | bytes | p50 | p99 |\n|---|---|---|---|---|");
    let mut worst = Duration::ZERO;
    for kind in ReceiptKind::ALL {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let receipt = fixtures::slip(kind, paper);
            let mut samples = Vec::with_capacity(runs);
            let mut bytes = 0;
            for _ in 0..runs {
                let start = Instant::now();
                let job = render_to_vec(&receipt, paper).unwrap();
                samples.push(start.elapsed());
                bytes = job.len();
            }
            let p50 = percentile(&mut samples, 0.5);
            let p99 = percentile(&mut samples, 0.99);
            worst = worst.max(p99);
            println!(
                "| {} | {} | {bytes} | {:.0} µs | {:.0} µs |",
                kind.code(),
                paper.label(),
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6
            );
        }
    }
    println!(
        "\nslowest p99: {:.0} µs (target < 200 µs)",
        worst.as_secs_f64() * 1e6
    );
}
