//! Parity with Heron's own `RoundRobinPacking`, checked by digest.
//!
//! 3000 pseudo-random topologies (components `a`..`f`, parallelism 0..6, random `topology.stmgrs`,
//! RAM/CPU maps including malformed entries and unknown components, container hints, padding,
//! reliability modes, instance defaults) are packed, then repacked with random deltas and
//! container numbers. Every result (the plan, bit for bit, or "ERR") is written in one canonical
//! line per case, and the FNV-1a digest of those lines is compared with the digest of the same
//! lines produced by Heron's Java `RoundRobinPacking` (Heron master, Java 17) on the same inputs:
//! 1481 packs and 1022 repacks succeed, the rest fail on both sides.
//!
//! Component names are single letters in definition order so that Heron's `HashMap` order is the
//! definition order too, which makes task ids comparable (see `crate::packing` docs). Deltas
//! never make a parallelism negative: Heron then silently drops the component, we refuse.
//!
//! To re-check against Java after a change: run with `HERON_PARITY_DUMP=<dir>`; the test writes
//! `<dir>/cases.txt` (inputs) and `<dir>/rust.txt` (our lines), and a small Java driver around
//! Heron's `RoundRobinPacking` reading `cases.txt` must print exactly `rust.txt`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use heron_common::packing::{self, MIB, PackingDefaults};
use heron_common::proto::system::PackingPlan;
use heron_common::topology::TopologyBuilder;

/// FNV-1a of Heron's output for the generated cases.
const HERON_DIGEST: u64 = 0xa2d0_0394_e4a8_bdce;
const CASES: usize = 3000;

/// xorshift64: small, deterministic, the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// Containers by id, instances by task id; doubles as raw bits so nothing is lost in printing.
fn render(p: &PackingPlan) -> String {
    let mut s = String::new();
    let mut cs: Vec<_> = p.container_plans.iter().collect();
    cs.sort_by_key(|c| c.id);
    for c in cs {
        let r = &c.required_resource;
        let _ = write!(s, " C{} {:x} {} {}", c.id, r.cpu.to_bits(), r.ram, r.disk);
        let mut is: Vec<_> = c.instance_plans.iter().collect();
        is.sort_by_key(|i| i.task_id);
        for i in is {
            let x = &i.resource;
            let _ = write!(
                s,
                " {}/{}/{}/{:x}/{}/{}",
                i.component_name,
                i.task_id,
                i.component_index,
                x.cpu.to_bits(),
                x.ram,
                x.disk
            );
        }
    }
    s
}

fn map_entry(rng: &mut Rng, names: &[String], val: String) -> String {
    let n = if rng.chance(3) {
        "z".to_string()
    } else {
        rng.pick(names).clone()
    };
    let sep = if rng.chance(3) { "" } else { ":" };
    let tail = if rng.chance(3) { ":" } else { "" };
    format!("{n}{sep}{val}{tail}")
}

/// Generates the cases; returns (inputs in the Java driver's format, our result lines).
fn run() -> (String, String) {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut cases = String::new();
    let mut out = String::new();
    for _ in 0..CASES {
        let cpu = *rng.pick(&[0.5, 1.0, 1.3, 2.0, 0.7]);
        let ram = *rng.pick(&[64 * MIB, 256 * MIB, 1024 * MIB, 1536 * MIB + 7, 20 * MIB]);
        let disk = *rng.pick(&[1024 * MIB, 3, 5 * 1024 * MIB + 1]);
        let d = PackingDefaults {
            instance_cpu: cpu,
            instance_ram: ram,
            instance_disk: disk,
            ..Default::default()
        };
        let _ = writeln!(cases, "CASE {cpu} {ram} {disk}");
        let ns = 1 + rng.below(3) as usize;
        let nb = rng.below(4) as usize;
        let names: Vec<String> = (0..ns + nb)
            .map(|i| ((b'a' + i as u8) as char).to_string())
            .collect();
        let pars: Vec<u32> = (0..ns + nb).map(|_| rng.below(7) as u32).collect();
        let total: u32 = pars.iter().sum();
        let mut b = TopologyBuilder::new("t").id("id");
        let kv = |b: TopologyBuilder, cases: &mut String, k: &str, v: String| {
            let _ = writeln!(cases, "KV {k} {v}");
            b.config(k, &v)
        };
        if rng.chance(90) {
            let v = if rng.chance(5) {
                "x".to_string()
            } else {
                (rng.below(u64::from(total) + 2)).to_string()
            };
            b = kv(b, &mut cases, "topology.stmgrs", v);
        }
        if rng.chance(40) {
            let k = 1 + rng.below(3);
            let es: Vec<String> = (0..k)
                .map(|_| {
                    let v = rng
                        .pick(&[
                            16 * MIB,
                            100 * MIB,
                            512 * MIB,
                            1024 * MIB,
                            2048 * MIB,
                            3 * MIB,
                        ])
                        .to_string();
                    map_entry(&mut rng, &names, v)
                })
                .collect();
            b = kv(b, &mut cases, "topology.component.rammap", es.join(","));
        }
        if rng.chance(30) {
            let k = 1 + rng.below(3);
            let es: Vec<String> = (0..k)
                .map(|_| {
                    let v = rng.pick(&["0.5", "1", "2.25", "0.1", "3.0"]).to_string();
                    map_entry(&mut rng, &names, v)
                })
                .collect();
            b = kv(b, &mut cases, "topology.component.cpumap", es.join(","));
        }
        if rng.chance(30) {
            let v = rng
                .pick(&["1.0", "2", "3.5", "10", "-1", "0.3"])
                .to_string();
            b = kv(b, &mut cases, "topology.container.cpu", v);
        }
        if rng.chance(30) {
            let v = rng
                .pick(&[
                    2 * 1024 * MIB,
                    3 * 1024 * MIB + 5,
                    5 * 1024 * MIB,
                    10 * 1024 * MIB,
                    -1,
                    2 * 1024 * MIB + 40 * MIB,
                ])
                .to_string();
            b = kv(b, &mut cases, "topology.container.ram", v);
        }
        if rng.chance(20) {
            let v = rng.pick(&[20 * 1024 * MIB, 7]).to_string();
            b = kv(b, &mut cases, "topology.container.disk", v);
        }
        if rng.chance(15) {
            let v = rng.pick(&[512 * MIB, 0, 3 * 1024 * MIB]).to_string();
            b = kv(b, &mut cases, "topology.container.ram.padding", v);
        }
        if rng.chance(15) {
            let v = rng
                .pick(&["EFFECTIVELY_ONCE", "ATLEAST_ONCE", "ATMOST_ONCE"])
                .to_string();
            b = kv(b, &mut cases, "topology.reliability.mode", v);
        }
        if rng.chance(10) {
            b = kv(b, &mut cases, "topology.stmgr.ram", (256 * MIB).to_string());
        }
        if rng.chance(10) {
            b = kv(
                b,
                &mut cases,
                "topology.stateful.checkpointmanager.ram",
                (300 * MIB).to_string(),
            );
        }
        for (i, name) in names.iter().enumerate() {
            if i < ns {
                b = b.spout(name, pars[i]);
                let _ = writeln!(cases, "SPOUT {name} {}", pars[i]);
            } else {
                b = b.bolt(name, pars[i]);
                let _ = writeln!(cases, "BOLT {name} {}", pars[i]);
            }
        }
        let t = b.build();
        let mut ops = Vec::new();
        for _ in 0..rng.below(3) {
            let mut deltas = BTreeMap::new();
            for (n, p) in names.iter().zip(&pars) {
                if rng.chance(50) {
                    deltas.insert(n.clone(), (rng.below(6) as i32 - 2).max(-(*p as i32)));
                }
            }
            let c = if rng.chance(50) {
                None
            } else {
                Some(rng.below(u64::from(total) + 3) as u32)
            };
            let spec: Vec<String> = deltas.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            let _ = writeln!(
                cases,
                "OP {} {}",
                c.map(|c| c.to_string()).unwrap_or("-".into()),
                spec.join(" ")
            );
            ops.push((c, deltas));
        }
        let _ = writeln!(cases, "END");

        let packed = packing::pack(&t, &d);
        let mut line = match &packed {
            Ok(p) => format!("OK{}", render(&p.plan)),
            Err(_) => "ERR".into(),
        };
        for (c, deltas) in &ops {
            line.push_str(" | ");
            let Ok(p) = &packed else {
                line.push_str("SKIP");
                continue;
            };
            let r = match c {
                None => packing::repack(&p.plan, &t, &d, deltas),
                Some(c) => packing::repack_with_containers(&p.plan, &t, &d, *c, deltas),
            };
            match r {
                Ok(p) => {
                    line.push_str("OK");
                    line.push_str(&render(&p.plan));
                }
                Err(_) => line.push_str("ERR"),
            }
        }
        let _ = writeln!(out, "{line}");
    }
    (cases, out)
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn results_match_herons_round_robin_packing() {
    let (cases, out) = run();
    if let Some(dir) = std::env::var_os("HERON_PARITY_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("cases.txt"), &cases).expect("write cases.txt");
        std::fs::write(dir.join("rust.txt"), &out).expect("write rust.txt");
    }
    let ok_packs = out.lines().filter(|l| l.starts_with("OK")).count();
    assert_eq!(
        ok_packs, 1481,
        "the generator changed: the digest no longer describes Heron's results"
    );
    assert_eq!(
        fnv1a(&out),
        HERON_DIGEST,
        "packing results differ from Heron's RoundRobinPacking; rerun with HERON_PARITY_DUMP=<dir> and diff \
         against Heron's output for <dir>/cases.txt"
    );
}
