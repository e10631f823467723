//! The reachability engine on synthetic VPCs of 50 to 100,000 interfaces (up to 10,000
//! groups and 200,000 rules), IPv4, and dual-stack up to 5,000 (an IPv6 cluster, tried from the IPv4 and
//! the IPv6 internet): the time for the whole cluster flow matrix and the posture checks
//! (`eksharden_net::verify`), and how it grows. `cargo bench -p eksharden-net`, or
//! `cargo xtask bench engine`.

#[path = "../tests/common/dice.rs"]
mod dice;
#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::time::{Duration, Instant};

use synthetic::{cluster, dual_stack, Size};

const SIZES: [Size; 5] = [
    Size { enis: 50, groups: 20, rules: 400 },
    Size { enis: 500, groups: 200, rules: 4_000 },
    Size { enis: 5_000, groups: 1_000, rules: 20_000 },
    Size { enis: 50_000, groups: 5_000, rules: 100_000 },
    Size { enis: 100_000, groups: 10_000, rules: 200_000 },
];

/// The sizes tried dual-stack as well (the largest only IPv4, to keep the run short).
const DUAL_STACK_UP_TO: usize = 5_000;

fn main() {
    println!(
        "| VPC | ENIs | groups | rules | requirements | endpoint pairs | median | min | per ENI | peak resident |"
    );
    println!(
        "|-----|-----:|-------:|------:|-------------:|---------------:|-------:|----:|--------:|--------------:|"
    );
    let dual = SIZES.into_iter().filter(|s| s.enis <= DUAL_STACK_UP_TO).map(|s| ("dual-stack", s));
    let variants = SIZES.into_iter().map(|s| ("IPv4", s)).chain(dual);
    for (kind, size) in variants {
        reset_peak_resident();
        let c = if kind == "IPv4" { cluster(size) } else { dual_stack(cluster(size)) };
        let rules: usize = c.model.security_groups.iter().map(|g| g.ingress.len() + g.egress.len()).sum();
        let mut times: Vec<Duration> = Vec::new();
        let mut pairs = 0;
        let mut requirements = 0;
        // Fewer runs for the largest sizes, whose single run is long enough to measure.
        let runs = if size.enis > DUAL_STACK_UP_TO { 5 } else { 12 };
        for run in 0..runs {
            let started = Instant::now();
            let report = black_box(eksharden_net::verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new()));
            let took = started.elapsed();
            assert_eq!(report.findings(), 0, "the synthetic cluster verifies clean");
            pairs = report.flows.iter().map(|f| f.cells.len()).sum();
            requirements = report.flows.len();
            if run >= 2 {
                times.push(took);
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "| {kind} | {} | {} | {} | {requirements} | {pairs} | {:.1} ms | {:.1} ms | {:.1} µs | {} |",
            c.model.enis.len(),
            c.model.security_groups.len(),
            rules,
            median.as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / c.model.enis.len() as f64,
            peak_resident().map_or("unknown".to_owned(), |kib| format!("{} MiB", kib / 1024)),
        );
    }
}

/// Starts counting the process's peak resident memory afresh (Linux: `clear_refs` 5).
fn reset_peak_resident() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, in KiB (Linux: `VmHWM`).
fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
