//! Decoding throughput of a 10,000-VM `RetrievePropertiesEx` response (the `name` property only,
//! about 2.3 MB), shaped like the simulator's
//! (`tests/data/captures/02-RetrievePropertiesEx-names-maxObjects1-ignored.txt`).
//!
//! Run with `cargo bench -p vsphere-client --bench decode`.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::events::Event;
use vsphere_client::soap::{decode_response, decode_response_value};
use vsphere_client::types::RetrieveResult;
use vsphere_client::xml::DecodeLimits;

const VMS: usize = 10_000;

/// A `RetrievePropertiesExResponse` listing `vms` VM names, as the simulator writes it.
fn names_response(vms: usize) -> Vec<u8> {
    let mut body = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
        r#"<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>"#,
    ));
    for i in 0..vms {
        write!(
            body,
            concat!(
                r#"<objects><obj type="VirtualMachine">vm-{}</obj><propSet><name>name</name>"#,
                r#"<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">DC0_C{}_RP0_VM{}</val>"#,
                "</propSet></objects>"
            ),
            36 + 3 * i,
            i / 1000,
            i % 1000
        )
        .expect("writing to a String");
    }
    body.push_str("</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>");
    body.into_bytes()
}

fn decode(c: &mut Criterion) {
    let body = names_response(VMS);
    let limits = DecodeLimits::default();
    let typed = decode_response::<Option<RetrieveResult>>(&body, &limits).expect("decodes");
    assert_eq!(typed.map(|r| r.objects.len()), Some(VMS));

    let mut group = c.benchmark_group("RetrievePropertiesEx 10k VM names");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("typed RetrieveResult", |b| {
        b.iter(|| decode_response::<Option<RetrieveResult>>(black_box(&body), &limits))
    });
    group.bench_function("dynamic Value", |b| {
        b.iter(|| decode_response_value(black_box(&body), &limits))
    });
    group.bench_function("quick-xml raw events (baseline)", |b| {
        b.iter(|| {
            let mut reader = quick_xml::Reader::from_reader(black_box(&body[..]));
            let mut events = 0usize;
            loop {
                match reader.read_event() {
                    Ok(Event::Eof) | Err(_) => break events,
                    Ok(_) => events += 1,
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
