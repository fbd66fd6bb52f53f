//! Certificate thumbprints: what vSphere shows for a host's certificate and what a user pins.

use std::fmt;
use std::str::FromStr;

use ring::digest;

/// A certificate thumbprint: the SHA-256 or SHA-1 digest of the certificate's DER encoding.
///
/// vSphere shows thumbprints as upper-case hex bytes joined by colons (`AA:BB:…`), and that is how
/// a `Thumbprint` displays. Parsing accepts upper or lower case, with a colon between every byte or
/// no colons at all; 64 hex digits make a SHA-256 thumbprint, 40 a SHA-1 one.
///
/// ```
/// use vsphere_client::transport::Thumbprint;
///
/// let pin: Thumbprint = "3a:9f:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11"
///     .parse()
///     .expect("a SHA-1 thumbprint");
/// assert_eq!(pin.algorithm(), "SHA-1");
/// assert_eq!(
///     pin.to_string(),
///     "3A:9F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11"
/// );
/// assert_eq!(pin, "3A9F00112233445566778899AABBCCDDEEFF0011".parse().expect("same, without colons"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thumbprint {
    /// A SHA-256 digest (32 bytes): what vSphere 6.7 and later show next to the SHA-1 one.
    Sha256([u8; 32]),
    /// A SHA-1 digest (20 bytes): what older vSphere versions and many tools show.
    Sha1([u8; 20]),
}

impl Thumbprint {
    /// The SHA-256 thumbprint of a DER-encoded certificate.
    pub fn sha256_of(certificate_der: &[u8]) -> Self {
        let mut bytes = [0; 32];
        bytes.copy_from_slice(digest::digest(&digest::SHA256, certificate_der).as_ref());
        Self::Sha256(bytes)
    }

    /// The SHA-1 thumbprint of a DER-encoded certificate.
    pub fn sha1_of(certificate_der: &[u8]) -> Self {
        let mut bytes = [0; 20];
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, certificate_der);
        bytes.copy_from_slice(sha1.as_ref());
        Self::Sha1(bytes)
    }

    /// Whether a DER-encoded certificate has this thumbprint (computed with this thumbprint's
    /// algorithm).
    pub fn matches(&self, certificate_der: &[u8]) -> bool {
        let actual = match self {
            Self::Sha256(_) => Self::sha256_of(certificate_der),
            Self::Sha1(_) => Self::sha1_of(certificate_der),
        };
        *self == actual
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Sha256(bytes) => bytes,
            Self::Sha1(bytes) => bytes,
        }
    }

    /// The digest algorithm's name: `"SHA-256"` or `"SHA-1"`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::Sha256(_) => "SHA-256",
            Self::Sha1(_) => "SHA-1",
        }
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.as_bytes().iter().enumerate() {
            if index > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({self})", self.algorithm())
    }
}

impl FromStr for Thumbprint {
    type Err = ThumbprintParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let mut nibbles = Vec::with_capacity(64);
        for (position, found) in text.char_indices() {
            match found.to_digit(16) {
                // A hex digit's value is below 16, so it fits in a byte.
                Some(value) => nibbles.push(value as u8),
                None if found == ':' => {}
                None => return Err(ThumbprintParseError::InvalidCharacter { found, position }),
            }
        }
        if text.contains(':') && text.split(':').any(|byte| byte.len() != 2) {
            return Err(ThumbprintParseError::MisplacedColon);
        }
        match nibbles.len() {
            64 => Ok(Self::Sha256(join_nibbles(&nibbles))),
            40 => Ok(Self::Sha1(join_nibbles(&nibbles))),
            digits => Err(ThumbprintParseError::WrongLength { digits }),
        }
    }
}

/// Joins `2 * N` hex digit values (each below 16) into `N` bytes.
fn join_nibbles<const N: usize>(nibbles: &[u8]) -> [u8; N] {
    let mut bytes = [0; N];
    for (byte, pair) in bytes.iter_mut().zip(nibbles.chunks_exact(2)) {
        *byte = (pair[0] << 4) | pair[1];
    }
    bytes
}

/// Why a text is not a certificate thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThumbprintParseError {
    /// The text holds something other than hex digits and colons.
    #[error(
        "a thumbprint holds only hex digits and colons, but {found:?} is at position {position}; \
         copy the thumbprint as vSphere shows it (AA:BB:…)"
    )]
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// Its byte offset in the (trimmed) text.
        position: usize,
    },
    /// Colons are present but do not separate every byte.
    #[error(
        "colons in a thumbprint must separate every byte (two hex digits each); \
         write it as AA:BB:… or without any colons"
    )]
    MisplacedColon,
    /// The number of hex digits fits neither SHA-256 nor SHA-1.
    #[error(
        "a thumbprint has 64 hex digits (SHA-256) or 40 (SHA-1), but this one has {digits}; \
         copy the whole thumbprint"
    )]
    WrongLength {
        /// How many hex digits the text holds.
        digits: usize,
    },
}

/// Both thumbprints of a certificate a server presented, so a user can check and pin it.
///
/// Displays as `SHA-256 AA:…, SHA-1 BB:…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CertificateThumbprints {
    /// The SHA-256 thumbprint (always [`Thumbprint::Sha256`]).
    pub sha256: Thumbprint,
    /// The SHA-1 thumbprint (always [`Thumbprint::Sha1`]).
    pub sha1: Thumbprint,
}

impl CertificateThumbprints {
    /// Both thumbprints of a DER-encoded certificate.
    pub fn of(certificate_der: &[u8]) -> Self {
        Self {
            sha256: Thumbprint::sha256_of(certificate_der),
            sha1: Thumbprint::sha1_of(certificate_der),
        }
    }
}

impl fmt::Display for CertificateThumbprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SHA-256 {}, SHA-1 {}", self.sha256, self.sha1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256_HEX: &str = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

    #[test]
    fn parses_sha256_with_and_without_colons_in_any_case() {
        let bare: Thumbprint = SHA256_HEX.parse().expect("bare hex");
        let colons = bare.to_string();
        assert_eq!(colons.len(), 64 + 31);
        assert_eq!(colons.parse::<Thumbprint>(), Ok(bare));
        assert_eq!(colons.to_lowercase().parse::<Thumbprint>(), Ok(bare));
        assert_eq!(format!("  {SHA256_HEX}\n").parse::<Thumbprint>(), Ok(bare));
        assert_eq!(bare.algorithm(), "SHA-256");
        assert_eq!(bare.as_bytes()[0], 0x9F);
    }

    #[test]
    fn sha256_of_matches_the_known_digest() {
        // SHA-256("test")
        let expected: Thumbprint = SHA256_HEX.parse().expect("valid");
        assert_eq!(Thumbprint::sha256_of(b"test"), expected);
        assert!(expected.matches(b"test"));
        assert!(!expected.matches(b"other"));
    }

    #[test]
    fn sha1_of_matches_the_known_digest() {
        // SHA-1("test")
        let expected: Thumbprint = "A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:2F:BB:D3"
            .parse()
            .expect("valid");
        assert_eq!(Thumbprint::sha1_of(b"test"), expected);
        assert!(expected.matches(b"test"));
    }

    #[test]
    fn rejects_bad_characters_with_their_position() {
        assert_eq!(
            "AA:BG".parse::<Thumbprint>(),
            Err(ThumbprintParseError::InvalidCharacter {
                found: 'G',
                position: 4
            })
        );
        assert!(matches!(
            "sha256=AA".parse::<Thumbprint>(),
            Err(ThumbprintParseError::InvalidCharacter { .. })
        ));
    }

    #[test]
    fn rejects_colons_that_do_not_separate_bytes() {
        let shifted = format!("A:{}", &SHA256_HEX[1..]);
        assert_eq!(
            shifted.parse::<Thumbprint>(),
            Err(ThumbprintParseError::MisplacedColon)
        );
        assert_eq!(
            "AA::BB".parse::<Thumbprint>(),
            Err(ThumbprintParseError::MisplacedColon)
        );
    }

    #[test]
    fn rejects_wrong_lengths() {
        assert_eq!(
            SHA256_HEX[..62].parse::<Thumbprint>(),
            Err(ThumbprintParseError::WrongLength { digits: 62 })
        );
        assert_eq!(
            "".parse::<Thumbprint>(),
            Err(ThumbprintParseError::WrongLength { digits: 0 })
        );
    }

    #[test]
    fn certificate_thumbprints_display_both() {
        let both = CertificateThumbprints::of(b"test");
        let shown = both.to_string();
        assert!(shown.starts_with("SHA-256 9F:86:D0:"), "{shown}");
        assert!(shown.contains(", SHA-1 A9:4A:8F:"), "{shown}");
    }
}
