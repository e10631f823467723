//! The reachability engine on synthetic VPCs of 50, 500 and 5,000 interfaces (up to 1,000
//! groups and 20,000 rules), IPv4 and dual-stack (an IPv6 cluster, tried from the IPv4 and
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

const SIZES: [Size; 3] = [
    Size { enis: 50, groups: 20, rules: 400 },
    Size { enis: 500, groups: 200, rules: 4_000 },
    Size { enis: 5_000, groups: 1_000, rules: 20_000 },
];

fn main() {
    println!("| VPC | ENIs | groups | rules | requirements | endpoint pairs | median | min | per ENI |");
    println!("|-----|-----:|-------:|------:|-------------:|---------------:|-------:|----:|--------:|");
    let variants = SIZES.into_iter().map(|s| ("IPv4", s)).chain(SIZES.into_iter().map(|s| ("dual-stack", s)));
    for (kind, size) in variants {
        let c = if kind == "IPv4" { cluster(size) } else { dual_stack(cluster(size)) };
        let rules: usize = c.model.security_groups.iter().map(|g| g.ingress.len() + g.egress.len()).sum();
        let mut times: Vec<Duration> = Vec::new();
        let mut pairs = 0;
        let mut requirements = 0;
        for run in 0..12 {
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
            "| {kind} | {} | {} | {} | {requirements} | {pairs} | {:.1} ms | {:.1} ms | {:.1} µs |",
            c.model.enis.len(),
            c.model.security_groups.len(),
            rules,
            median.as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / c.model.enis.len() as f64
        );
    }
}
