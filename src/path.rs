//! Field paths: where in a document a value is, as keys and indexes. Printed
//! as Kubernetes tools print them, `spec.template.spec.containers[0].image`.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
    /// The boundary into a document embedded in the string here: what
    /// follows is a path within that document. Printed as `: `.
    Embedded,
}

/// A path from a document's root: keys and indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The path one key further down.
    #[must_use]
    pub fn key(&self, key: &str) -> FieldPath {
        self.then(Segment::Key(key.to_string()))
    }

    /// The path one sequence item further down.
    #[must_use]
    pub fn index(&self, index: usize) -> FieldPath {
        self.then(Segment::Index(index))
    }

    /// The path `inner`, within the document embedded in the string here:
    /// `data.config.yaml: eventBus.nats…`.
    #[must_use]
    pub fn embedded(&self, inner: &FieldPath) -> FieldPath {
        let mut segments = Vec::with_capacity(self.0.len() + 1 + inner.0.len());
        segments.extend_from_slice(&self.0);
        segments.push(Segment::Embedded);
        segments.extend_from_slice(&inner.0);
        FieldPath(segments)
    }

    fn then(&self, segment: Segment) -> FieldPath {
        let mut segments = Vec::with_capacity(self.0.len() + 1);
        segments.extend_from_slice(&self.0);
        segments.push(segment);
        FieldPath(segments)
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The path below its first `n` segments: `items[3].spec…` less two is
    /// `spec…`, the path within a list's item.
    #[must_use]
    pub fn skip(&self, n: usize) -> FieldPath {
        FieldPath(self.0.get(n..).unwrap_or_default().to_vec())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for segment in &self.0 {
            match segment {
                Segment::Key(key) if first => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Embedded => f.write_str(": ")?,
            }
            first = matches!(segment, Segment::Embedded);
        }
        Ok(())
    }
}

impl serde::Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_as_kubernetes_tools_do() {
        let p = FieldPath::default()
            .key("spec")
            .key("containers")
            .index(0)
            .key("image");
        assert_eq!(p.to_string(), "spec.containers[0].image");
        assert_eq!(FieldPath::default().to_string(), "");
        let item = FieldPath::default().key("items").index(3).key("spec");
        assert_eq!(item.to_string(), "items[3].spec");
        assert_eq!(item.skip(2).to_string(), "spec");
        assert_eq!(item.skip(9).to_string(), "");
        let inner = FieldPath::default().key("eventBus").index(0).key("image");
        let outer = FieldPath::default().key("data").key("config.yaml");
        assert_eq!(
            outer.embedded(&inner).to_string(),
            "data.config.yaml: eventBus[0].image"
        );
    }
}
