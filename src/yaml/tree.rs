//! Documents: a flat arena of nodes per document, each node with the byte
//! span it occupies in the original text, and the accessors that find
//! things in it. [`super::build`] reads a stream into them.
//!
//! The tree is only for finding things; it is never written back.

use std::ops::Range;

/// Index of a node in its [`Document`].
pub type NodeId = usize;

/// How a scalar is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|`
    Literal,
    /// `>`
    Folded,
}

/// A scalar's value as YAML reads it, and how it is written.
#[derive(Debug, Clone)]
pub struct Scalar {
    pub value: String,
    pub style: ScalarStyle,
    /// The scalar carries an anchor (`&name`).
    pub anchored: bool,
    /// The scalar's tag, resolved (`!!str` is `tag:yaml.org,2002:str`).
    pub tag: Option<String>,
}

/// What a node is.
#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar(Scalar),
    /// Key and value pairs in source order; duplicate keys are kept.
    Mapping(Vec<(NodeId, NodeId)>),
    Sequence(Vec<NodeId>),
    /// `*name`: a reference to an anchored node.
    Alias,
}

/// A node and where it is.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte span in the whole input, including the node's anchor and tag.
    pub span: Range<usize>,
    /// 1-based line of the node's start.
    pub line: usize,
    /// 1-based column (in characters) of the node's start.
    pub column: usize,
}

/// One document of a stream.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
}

/// How YAML spells null.
fn is_null_spelling(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

impl Scalar {
    /// A plain, untagged `null`, `~` or nothing: YAML's null.
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && self.tag.is_none() && is_null_spelling(&self.value)
    }

    /// Kubernetes reads the scalar as a string: it is quoted, a block
    /// scalar, tagged `!!str`, or plain and not a YAML 1.1 null, bool, int
    /// or float. sigs.k8s.io/yaml resolves plain scalars with go-yaml's
    /// YAML 1.1 rules, so `yes` and `0755` are not strings.
    pub fn is_string(&self) -> bool {
        match self.tag.as_deref() {
            Some("tag:yaml.org,2002:str") => true,
            // Other standard tags (`!!int`, `!!null`, …) are not strings.
            Some(t) if t.starts_with("tag:yaml.org,2002:") => false,
            // go-yaml v2 reads a scalar with a tag it cannot resolve (`!`,
            // `!custom`) as the plain string, which Kubernetes then uses.
            Some(_) => true,
            None => self.style != ScalarStyle::Plain || !super::resolve::is_non_string(&self.value),
        }
    }
}

impl Document {
    /// The document holds something: a root that is not null. Argo CD and
    /// kubectl skip empty and null documents.
    pub fn has_content(&self) -> bool {
        self.root
            .is_some_and(|r| !self.scalar(r).is_some_and(Scalar::is_null))
    }

    /// The node is a scalar spelt as null, however it is quoted: how the
    /// hosts' config readers (kyaml) take `data: ""` or `results: null`.
    pub fn spells_null(&self, id: NodeId) -> bool {
        self.str(id).is_some_and(is_null_spelling)
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The node's scalar, if it is one.
    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match &self.nodes[id].kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The node's value if it is a scalar.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|s| s.value.as_str())
    }

    /// Every value under `key` in the mapping `map`, in source order. A
    /// mapping with duplicate keys yields each of them: which one a reader
    /// keeps varies, so callers treat them all alike.
    pub fn get<'d>(&'d self, map: NodeId, key: &'d str) -> impl Iterator<Item = NodeId> + 'd {
        let pairs: &[(NodeId, NodeId)] = match &self.nodes[map].kind {
            NodeKind::Mapping(pairs) => pairs,
            _ => &[],
        };
        pairs
            .iter()
            .filter(move |(k, _)| self.str(*k) == Some(key))
            .map(|(_, v)| *v)
    }

    /// The first value under `key` that is a scalar.
    pub fn get_str(&self, map: NodeId, key: &str) -> Option<&str> {
        self.get(map, key).find_map(|v| self.str(v))
    }

    /// The pairs of a mapping (empty for anything else).
    pub fn pairs(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[id].kind {
            NodeKind::Mapping(pairs) => pairs,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[id].kind {
            NodeKind::Sequence(items) => items,
            _ => &[],
        }
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, NodeKind::Mapping(_))
    }
}
