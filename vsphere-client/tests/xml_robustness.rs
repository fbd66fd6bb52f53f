//! The decoder never panics: mutated captures (byte flips, truncations, splices, deep nesting)
//! end in a result, a `SoapFault` or a `DecodeError` that points inside the body.

mod xml_support;

use std::sync::LazyLock;

use proptest::prelude::*;
use vsphere_client::soap::{ResponseError, decode_response, decode_response_value};
use vsphere_client::types::{
    ManagedObjectReference, RetrieveResult, UpdateSet, UserSession, Value, VirtualMachineConfigSpec,
};
use vsphere_client::xml::{DecodeErrorKind, DecodeLimits, FromXml};

static BODIES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    xml_support::all()
        .into_iter()
        .map(|c| c.response_body)
        .collect()
});

/// Decodes `body` as `T` and checks that an error's offset lies inside the body.
fn decode_as<T: FromXml + Default>(body: &[u8], limits: &DecodeLimits) -> Result<T, ResponseError> {
    let result = decode_response::<T>(body, limits);
    if let Err(ResponseError::Decode(error)) = &result {
        assert!(
            error.offset() <= body.len() as u64,
            "{error} for a body of {} bytes",
            body.len()
        );
        assert!(!error.to_string().is_empty());
    }
    result
}

/// Decodes `body` the ways a client would: as each typed result seen in the captures and
/// dynamically.
fn decode_every_way(body: &[u8]) {
    let limits = DecodeLimits::default().with_max_depth(48);
    let _ = decode_as::<Option<RetrieveResult>>(body, &limits);
    let _ = decode_as::<Option<UpdateSet>>(body, &limits);
    let _ = decode_as::<UserSession>(body, &limits);
    let _ = decode_as::<Option<ManagedObjectReference>>(body, &limits);
    let _ = decode_as::<Vec<Value>>(body, &limits);
    let _ = decode_response_value(body, &limits);
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Overwrite bytes at positions (as fractions of the length).
    Flip(Vec<(f64, u8)>),
    /// Keep a prefix.
    Truncate(f64),
    /// Insert a piece of another capture.
    Splice {
        at: f64,
        donor: usize,
        from: f64,
        len: usize,
    },
    /// Insert `depth` opening tags (and maybe as many closing ones).
    Nest { at: f64, depth: usize, close: bool },
    /// Insert markup fragments that stress entity, prefix and attribute handling.
    Insert { at: f64, fragment: &'static str },
}

const FRAGMENTS: &[&str] = &[
    "&bogus;",
    "&#0;",
    "&#xFFFFFFFF;",
    "&#x1F600;",
    "<![CDATA[x]]>",
    "<!-- c -->",
    "<?pi x?>",
    r#"<v xmlns:q="urn:q" q:type="xsd:int">1</v>"#,
    r#" xsi:nil="true""#,
    r#" xsi:type="nope:x""#,
    r#" xsi:type="ArrayOfInt""#,
    r#" xsi:type="xsd:dateTime""#,
    r#" type="Folder""#,
    "</a>",
    "<a>",
    "<a/>",
    "\u{0}",
    "\u{FEFF}",
    "<!DOCTYPE x [<!ENTITY e 'v'>]>",
    r#"<x a="1" a="2"/>"#,
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let fraction = 0.0..1.0f64;
    prop_oneof![
        prop::collection::vec((fraction.clone(), any::<u8>()), 1..8).prop_map(Mutation::Flip),
        fraction.clone().prop_map(Mutation::Truncate),
        (fraction.clone(), 0..64usize, fraction.clone(), 1..400usize).prop_map(
            |(at, donor, from, len)| Mutation::Splice {
                at,
                donor,
                from,
                len
            }
        ),
        (fraction.clone(), 1..3000usize, any::<bool>())
            .prop_map(|(at, depth, close)| Mutation::Nest { at, depth, close }),
        (fraction, prop::sample::select(FRAGMENTS))
            .prop_map(|(at, fragment)| Mutation::Insert { at, fragment }),
    ]
}

fn position(body: &[u8], fraction: f64) -> usize {
    ((body.len() as f64) * fraction) as usize
}

fn apply(mut body: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    match mutation {
        Mutation::Flip(flips) => {
            for (at, byte) in flips {
                let at = position(&body, *at).min(body.len().saturating_sub(1));
                if let Some(slot) = body.get_mut(at) {
                    *slot = *byte;
                }
            }
        }
        Mutation::Truncate(at) => body.truncate(position(&body, *at)),
        Mutation::Splice {
            at,
            donor,
            from,
            len,
        } => {
            let donor = &BODIES[donor % BODIES.len()];
            let start = position(donor, *from);
            let piece = &donor[start..(start + len).min(donor.len())];
            let at = position(&body, *at);
            body.splice(at..at, piece.iter().copied());
        }
        Mutation::Nest { at, depth, close } => {
            let at = position(&body, *at);
            let mut nested = "<a>".repeat(*depth);
            if *close {
                nested.push_str(&"</a>".repeat(*depth));
            }
            body.splice(at..at, nested.into_bytes());
        }
        Mutation::Insert { at, fragment } => {
            let at = position(&body, *at);
            body.splice(at..at, fragment.bytes());
        }
    }
    body
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_captures_never_panic_the_decoder(
        index in 0..64usize,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut body = BODIES[index % BODIES.len()].clone();
        for mutation in &mutations {
            body = apply(body, mutation);
        }
        decode_every_way(&body);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(body in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_every_way(&body);
    }
}

#[test]
fn a_byte_order_mark_before_a_body_changes_nothing() {
    let limits = DecodeLimits::default();
    for body in BODIES.iter() {
        let mut marked = "\u{FEFF}".as_bytes().to_vec();
        marked.extend_from_slice(body);
        assert_eq!(
            decode_response_value(&marked, &limits),
            decode_response_value(body, &limits)
        );
    }
}

/// A `RetrievePropertiesEx` response whose first property value holds `inner`.
fn response_with_value(inner: &str) -> Vec<u8> {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj><propSet><name>p</name>{inner}</propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

#[test]
fn very_deep_nesting_is_rejected_without_overflowing_the_stack() {
    let depth = 200_000;
    let inner = format!(
        r#"<val xsi:type="Future">{}{}</val>"#,
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let body = response_with_value(&inner);
    let Err(ResponseError::Decode(error)) =
        decode_response::<Option<RetrieveResult>>(&body, &DecodeLimits::default())
    else {
        panic!("expected a depth error");
    };
    assert_eq!(
        error.kind(),
        &DecodeErrorKind::TooDeep {
            limit: DecodeLimits::DEFAULT_MAX_DEPTH
        }
    );
}

#[test]
fn nesting_up_to_the_default_limit_decodes() {
    // Envelope/Body/response/returnval/objects/propSet/val are seven levels.
    let depth = DecodeLimits::DEFAULT_MAX_DEPTH - 8;
    let inner = format!(
        r#"<val xsi:type="Future">{}x{}</val>"#,
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let body = response_with_value(&inner);
    let result =
        decode_response::<Option<RetrieveResult>>(&body, &DecodeLimits::default()).unwrap();
    let mut value = &result.unwrap().objects[0].prop_set[0].val;
    let mut levels = 0;
    while let Value::Object(object) = value {
        value = &object.fields[0].1;
        levels += 1;
    }
    assert_eq!((levels, value), (depth, &Value::String("x".into())));
}

#[test]
fn faults_nested_through_fault_cause_up_to_the_limit_decode() {
    // Each nesting adds <faultCause><fault>: two levels.
    let depth = (DecodeLimits::DEFAULT_MAX_DEPTH - 8) / 2;
    let inner = format!(
        r#"<val xsi:type="LocalizedMethodFault"><fault xsi:type="FileNotFound">{}<file>f</file>{}</fault></val>"#,
        r#"<faultCause><fault xsi:type="InvalidPowerState">"#.repeat(depth - 1),
        "</fault></faultCause>".repeat(depth - 1)
    );
    let body = response_with_value(&inner);
    let result =
        decode_response::<Option<RetrieveResult>>(&body, &DecodeLimits::default()).unwrap();
    let error: vsphere_client::types::LocalizedMethodFault = result.unwrap().objects[0].prop_set[0]
        .val
        .clone()
        .into_typed()
        .unwrap();
    assert_eq!(error.fault.type_name(), "FileNotFound");
    // The derived traits recurse through the chain too.
    assert_eq!(error.clone(), error);
    assert!(format!("{error:?}").matches("InvalidPowerState").count() >= depth - 1);
}

#[test]
fn data_objects_nested_through_any_type_fields_up_to_the_limit_decode() {
    // KeyAnyValue.value is xsd:anyType: each nesting adds one level.
    let depth = DecodeLimits::DEFAULT_MAX_DEPTH - 8;
    let inner = format!(
        r#"<val xsi:type="KeyAnyValue">{}<key>k</key>{}</val>"#,
        r#"<key>k</key><value xsi:type="KeyAnyValue">"#.repeat(depth - 1),
        "</value>".repeat(depth - 1)
    );
    let body = response_with_value(&inner);
    let result =
        decode_response::<Option<RetrieveResult>>(&body, &DecodeLimits::default()).unwrap();
    let value = result.unwrap().objects[0].prop_set[0].val.clone();
    assert_eq!(value.clone(), value);
    let mut levels = 0;
    let mut current = value;
    while let Ok(pair) = current
        .clone()
        .into_typed::<vsphere_client::types::KeyAnyValue>()
    {
        levels += 1;
        current = pair.value;
    }
    assert_eq!(levels, depth);
}

/// A response to a method returning an array, with `returnvals` as its content.
fn array_response(returnvals: &str) -> Vec<u8> {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><QueryResponse xmlns="urn:vim25">{returnvals}</QueryResponse></soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

#[test]
fn a_small_body_of_empty_data_objects_is_refused_by_the_node_budget() {
    let count = 100_000;
    let body = array_response(&"<returnval/>".repeat(count));
    let expanded = count * size_of::<VirtualMachineConfigSpec>();
    assert!(
        expanded > 100 * body.len(),
        "{} bytes would expand into {expanded}",
        body.len()
    );
    // A budget of 64 MiB of decoded data objects.
    let limits = DecodeLimits::default().with_max_nodes(1024 * 1024);

    let Err(ResponseError::Decode(error)) =
        decode_response::<Vec<VirtualMachineConfigSpec>>(&body, &limits)
    else {
        panic!("the empty data objects were decoded");
    };
    assert_eq!(
        error.kind(),
        &DecodeErrorKind::TooManyNodes { limit: 1024 * 1024 }
    );
    assert!(
        error.to_string().contains("DecodeLimits::max_nodes"),
        "{error}"
    );

    // The same number of elements that decode into small values fits the budget.
    let strings = decode_response::<Vec<String>>(&body, &limits).unwrap();
    assert_eq!(strings.len(), count);
}

#[test]
fn elements_alone_spend_the_node_budget() {
    let body = array_response(&"<returnval>x</returnval>".repeat(1_000));
    let tight = DecodeLimits::default().with_max_nodes(500);
    let Err(ResponseError::Decode(error)) = decode_response::<Vec<String>>(&body, &tight) else {
        panic!("1,000 elements fit a budget of 500");
    };
    assert_eq!(error.kind(), &DecodeErrorKind::TooManyNodes { limit: 500 });
    assert!(decode_response::<Vec<String>>(&body, &DecodeLimits::default()).is_ok());
}
