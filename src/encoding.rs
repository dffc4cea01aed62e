//! Streams written in UTF-16, read as libyaml and go-yaml read them: the
//! encoding comes from the byte order mark (`FF FE` little-endian, `FE FF`
//! big-endian); without one a stream is UTF-8. kubectl reads such files, and
//! Argo CD's directory source too (through `utfutil`, which looks at the
//! same marks). Every consumer of the output (kubectl, Helm, Argo CD's
//! repo-server reading a plugin's stdout) reads UTF-8, so a UTF-16 stream is
//! transcoded once, before anything else ([`to_utf8`]), and the rewrite then
//! works on the UTF-8 text as on any other: the output is the input
//! transcoded, with only the image spans edited.
//!
//! The byte order mark itself is left out: it only named the encoding, which
//! the output no longer has. Invalid UTF-16 (an unpaired surrogate, an odd
//! number of bytes) is an error with its document, line and column, as
//! invalid UTF-8 is; nothing is replaced.

use crate::yaml;

/// A UTF-16 byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// `FF FE`: little-endian.
    Le,
    /// `FE FF`: big-endian.
    Be,
}

impl Utf16 {
    /// The byte order the stream's byte order mark names, if it names one.
    pub fn of(bytes: &[u8]) -> Option<Utf16> {
        match bytes {
            [0xFF, 0xFE, ..] => Some(Utf16::Le),
            [0xFE, 0xFF, ..] => Some(Utf16::Be),
            _ => None,
        }
    }

    /// `UTF-16LE` or `UTF-16BE`.
    pub fn name(self) -> &'static str {
        match self {
            Utf16::Le => "UTF-16LE",
            Utf16::Be => "UTF-16BE",
        }
    }

    fn unit(self, pair: [u8; 2]) -> u16 {
        match self {
            Utf16::Le => u16::from_le_bytes(pair),
            Utf16::Be => u16::from_be_bytes(pair),
        }
    }

    /// The text after the byte order mark, as UTF-8.
    fn decode(self, bytes: &[u8]) -> Result<String, yaml::Error> {
        let body = &bytes[2..];
        let mut text = String::with_capacity(body.len() / 2);
        let pairs = body.chunks_exact(2);
        let odd = !pairs.remainder().is_empty();
        let units = pairs.map(|p| self.unit([p[0], p[1]]));
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => text.push(c),
                Err(e) => {
                    let problem = format!("an unpaired surrogate 0x{:04X}", e.unpaired_surrogate());
                    return Err(self.error(&text, problem));
                }
            }
        }
        if odd {
            let problem = "an odd number of bytes: the last is half a code unit".to_string();
            return Err(self.error(&text, problem));
        }
        Ok(text)
    }

    /// The error at the end of `before`, the text decoded so far.
    fn error(self, before: &str, problem: String) -> yaml::Error {
        yaml::Error::at(
            yaml::ErrorKind::InvalidUtf16 {
                encoding: self.name(),
                problem,
            },
            before.as_bytes(),
        )
    }
}

/// The stream as UTF-8: a UTF-16 stream with a byte order mark transcoded
/// (its byte order returned with it), any other returned as it is (UTF-8,
/// with or without its own byte order mark, is checked later by the
/// rewrite, where an invalid byte is an error as always).
pub fn to_utf8(bytes: Vec<u8>) -> Result<(Vec<u8>, Option<Utf16>), yaml::Error> {
    match Utf16::of(&bytes) {
        None => Ok((bytes, None)),
        Some(order) => Ok((order.decode(&bytes)?.into_bytes(), Some(order))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn be(text: &str) -> Vec<u8> {
        let mut out = vec![0xFE, 0xFF];
        out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    #[test]
    fn both_byte_orders_with_crlf_and_astral_characters() {
        let text = "kind: Namespace\r\napiVersion: v1\r\nmetadata: {name: \"ø𝄞\"}\r\n";
        for (bytes, order) in [(le(text), Utf16::Le), (be(text), Utf16::Be)] {
            let (utf8, got) = to_utf8(bytes).unwrap();
            assert_eq!(got, Some(order));
            assert_eq!(String::from_utf8(utf8).unwrap(), text, "no byte order mark");
        }
    }

    #[test]
    fn utf8_is_left_as_it_is() {
        for bytes in [&b"a: 1\n"[..], b"\xEF\xBB\xBFa: 1\n", b"\xFF", b"\xFE", b""] {
            assert_eq!(to_utf8(bytes.to_vec()).unwrap(), (bytes.to_vec(), None));
        }
        // A byte order mark alone is an empty UTF-16 stream.
        assert_eq!(
            to_utf8(vec![0xFF, 0xFE]).unwrap(),
            (vec![], Some(Utf16::Le))
        );
    }

    #[test]
    fn invalid_utf16_says_where() {
        // A lone high surrogate on line 2 of document 2, after "  image: ".
        let mut bytes = le("a: 1\n---\nb: 2\n  image: ");
        bytes.extend(0xD800u16.to_le_bytes());
        bytes.extend(le("x\n").split_off(2));
        let e = to_utf8(bytes).unwrap_err();
        assert_eq!((e.document, e.line, e.column), (2, 4, 10));
        assert_eq!(
            e.to_string(),
            "document 2, line 4, column 10: input is not valid UTF-16LE: an unpaired surrogate 0xD800"
        );
        // A low surrogate first, big-endian.
        let mut bytes = be("ø");
        bytes.extend(0xDC00u16.to_be_bytes());
        let e = to_utf8(bytes).unwrap_err();
        assert_eq!((e.line, e.column), (1, 2));
        assert!(
            e.to_string()
                .contains("UTF-16BE: an unpaired surrogate 0xDC00")
        );
        // Half a code unit at the end.
        let mut bytes = le("a: 1\nb");
        bytes.push(b'\n');
        let e = to_utf8(bytes).unwrap_err();
        assert_eq!((e.line, e.column), (2, 2));
        assert!(
            e.to_string()
                .ends_with("an odd number of bytes: the last is half a code unit")
        );
    }
}
