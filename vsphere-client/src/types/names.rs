//! Escaping of managed entity names.
//!
//! vSphere stores `/`, `\` and `%` in entity names (VMs, folders, ...) as `%2f`, `%5c` and `%25`
//! (see `ManagedEntity.name` in the vSphere API reference), so that `/` can separate inventory
//! path components. Names read from the server are escaped; names sent in specs and inventory
//! paths must be escaped too.

use std::borrow::Cow;

/// Turns an entity name as the server stores it into the name users see: `%2f` becomes `/`,
/// `%5c` becomes `\` and `%25` becomes `%` (hex digits in either case). Other `%` sequences are
/// kept as they are.
///
/// ```
/// use vsphere_client::types::decode_entity_name;
///
/// assert_eq!(decode_entity_name("web%2fdb 100%25"), "web/db 100%");
/// assert_eq!(decode_entity_name("plain"), "plain");
/// ```
pub fn decode_entity_name(name: &str) -> Cow<'_, str> {
    if !name.contains('%') {
        return Cow::Borrowed(name);
    }
    let mut decoded = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('%') {
        decoded.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or("");
        let replacement = match escape.to_ascii_lowercase().as_str() {
            "%2f" => Some('/'),
            "%5c" => Some('\\'),
            "%25" => Some('%'),
            _ => None,
        };
        match replacement {
            Some(character) => {
                decoded.push(character);
                rest = &rest[at + 3..];
            }
            None => {
                decoded.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    decoded.push_str(rest);
    Cow::Owned(decoded)
}

/// Escapes a name for the server: `%` becomes `%25`, `/` becomes `%2f` and `\` becomes `%5c`.
/// [`decode_entity_name`] reverses it exactly.
///
/// ```
/// use vsphere_client::types::encode_entity_name;
///
/// assert_eq!(encode_entity_name("web/db 100%"), "web%2fdb 100%25");
/// ```
pub fn encode_entity_name(name: &str) -> Cow<'_, str> {
    if !name.contains(['%', '/', '\\']) {
        return Cow::Borrowed(name);
    }
    let mut encoded = String::with_capacity(name.len() + 8);
    for character in name.chars() {
        match character {
            '%' => encoded.push_str("%25"),
            '/' => encoded.push_str("%2f"),
            '\\' => encoded.push_str("%5c"),
            other => encoded.push(other),
        }
    }
    Cow::Owned(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_escapes_in_either_case_and_keeps_stray_percent_signs() {
        assert_eq!(decode_entity_name("a%2Fb%5Cc%25d"), "a/b\\c%d");
        assert_eq!(decode_entity_name("50% off%"), "50% off%");
        assert_eq!(decode_entity_name("%2"), "%2");
        assert_eq!(decode_entity_name("%é%2f"), "%é/");
    }

    #[test]
    fn encodes_only_the_three_special_characters() {
        assert_eq!(encode_entity_name(r"a/b\c%d é"), "a%2fb%5cc%25d é");
        assert!(matches!(
            encode_entity_name("plain"),
            Cow::Borrowed("plain")
        ));
    }

    proptest! {
        #[test]
        fn decode_reverses_encode(name in any::<String>()) {
            let encoded = encode_entity_name(&name);
            prop_assert!(!encoded.contains(['/', '\\']));
            let decoded = decode_entity_name(&encoded);
            prop_assert_eq!(decoded.as_ref(), name.as_str());
        }

        #[test]
        fn decode_never_panics(name in "[%25fFcC/\\\\a-z]{0,12}") {
            let _ = decode_entity_name(&name);
        }
    }
}
