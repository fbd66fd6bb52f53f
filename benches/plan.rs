//! How planning one run scales with the inventory it reads: the policy is linear in the number
//! of VM names, so a 10,000-VM vCenter costs no more than reading their names.
//!
//! ```text
//! cargo bench --bench plan
//! ```

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use vmrotate::rotation_core::{Mode, SlotRotation, Stamp};

/// `vms` unrelated VM names plus three generations of `avocado2` and a leftover duplicate.
fn inventory(vms: usize) -> Vec<String> {
    let mut names: Vec<String> = (0..vms).map(|i| format!("DC0_C0_RP0_VM{i}")).collect();
    names.extend(
        [
            "zz_avocado2-02-201909230241",
            "zz_avocado2-03-201909240241",
            "zz_avocado2-04-201909250241",
            "zz_avocado2-04-201909180241",
        ]
        .map(String::from),
    );
    names
}

fn plan(c: &mut Criterion) {
    let stamp: Stamp = "201909260241".parse().expect("valid stamp");
    let mut group = c.benchmark_group("plan");
    for vms in [100, 10_000] {
        let names = inventory(vms);
        group.throughput(Throughput::Elements(names.len() as u64));
        for mode in [Mode::Safe, Mode::Compat] {
            let rotation = SlotRotation::new("zz_", "avocado2", 4, mode).expect("valid rotation");
            group.bench_with_input(
                BenchmarkId::new(mode.to_string(), vms),
                &names,
                |b, names| {
                    b.iter(|| rotation.plan(names.iter().map(String::as_str), stamp));
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, plan);
criterion_main!(benches);
