//! A small element tree for stanzas: built by hand for what we send, read from the wire with
//! quick-xml's namespace-aware reader for what we receive, and written by one function
//! ([`Element::write_to`]) that escapes every attribute value and text with quick-xml's
//! `escape`, so that escaping cannot be forgotten.

use std::io::BufRead;

use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, Writer};

/// One node of content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An XML element: `name` is the local name, `ns` the resolved namespace (prefixes do not matter
/// when reading, so `<stream:features>` and `<features xmlns='…streams'>` compare equal).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub ns: String,
    /// Attributes as written (`xml:lang` keeps its prefix); namespace declarations are not kept.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn new(name: &str, ns: &str) -> Element {
        Element {
            name: name.to_owned(),
            ns: ns.to_owned(),
            ..Element::default()
        }
    }

    pub fn attr(mut self, key: &str, value: &str) -> Element {
        self.attrs.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn child(mut self, child: Element) -> Element {
        self.children.push(Node::Element(child));
        self
    }

    pub fn text(mut self, text: &str) -> Element {
        self.children.push(Node::Text(text.to_owned()));
        self
    }

    pub fn get_attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn find(&self, name: &str, ns: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(name, ns))
    }

    /// All text directly inside this element, concatenated.
    pub fn text_content(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// The serialized element; `parent_ns` is the default namespace in scope (an `xmlns` is
    /// written only where it changes).
    pub fn to_bytes(&self, parent_ns: &str) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out, parent_ns);
        out
    }

    /// The length of [`Element::to_bytes`] without writing it (a stanza's size is checked
    /// against the server's limit when it is queued, long before it is written).
    pub fn wire_len(&self, parent_ns: &str) -> usize {
        fn escaped(text: &str) -> usize {
            text.len()
                + text
                    .bytes()
                    .map(|b| match b {
                        b'<' | b'>' => 3,
                        b'&' | b'\r' => 4,
                        b'\'' | b'"' => 5,
                        _ => 0,
                    })
                    .sum::<usize>()
        }
        let attribute = |key: &str, value: &str| key.len() + escaped(value) + 4;
        let mut len = 1 + self.name.len();
        if self.ns != parent_ns {
            len += attribute("xmlns", &self.ns);
        }
        for (k, v) in &self.attrs {
            len += attribute(k, v);
        }
        if self.children.is_empty() {
            return len + 2;
        }
        len += 1 + 3 + self.name.len();
        for child in &self.children {
            len += match child {
                Node::Element(e) => e.wire_len(&self.ns),
                Node::Text(t) => escaped(t),
            };
        }
        len
    }

    /// Appends the serialized element to `out` (a batch of stanzas is one buffer).
    ///
    /// Written here rather than by quick-xml's `Writer`: its `BytesStart` copies every element's
    /// name and attributes into a buffer of its own first, which was a sixth of the CPU time of a
    /// burst of messages. The escaping is still quick-xml's (`escape`: `< > & ' "`, the same as
    /// its writer does for attribute values and text; `\r` becomes `&#13;`).
    pub fn write_to(&self, out: &mut Vec<u8>, parent_ns: &str) {
        fn attribute(out: &mut Vec<u8>, key: &str, value: &str) {
            out.push(b' ');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"=\"");
            out.extend_from_slice(escape(value).as_bytes());
            out.push(b'"');
        }
        out.push(b'<');
        out.extend_from_slice(self.name.as_bytes());
        if self.ns != parent_ns {
            attribute(out, "xmlns", &self.ns);
        }
        for (k, v) in &self.attrs {
            attribute(out, k, v);
        }
        if self.children.is_empty() {
            out.extend_from_slice(b"/>");
            return;
        }
        out.push(b'>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write_to(out, &self.ns),
                Node::Text(t) => out.extend_from_slice(escape(t).as_bytes()),
            }
        }
        out.extend_from_slice(b"</");
        out.extend_from_slice(self.name.as_bytes());
        out.push(b'>');
    }
}

/// The stream header `<stream:stream …>` (left open: the stream is the document).
pub fn stream_header(to: &str) -> Vec<u8> {
    let mut writer = Writer::new(Vec::new());
    let mut start = BytesStart::new("stream:stream");
    start.push_attribute(("xmlns", super::NS_CLIENT));
    start.push_attribute(("xmlns:stream", super::NS_STREAM));
    start.push_attribute(("to", to));
    start.push_attribute(("version", "1.0"));
    start.push_attribute(("xml:lang", "en"));
    let _ = writer.write_event(Event::Start(start));
    writer.into_inner()
}

/// Why the incoming XML could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Malformed(String),
    /// `</stream:stream>`: the peer closed the stream.
    StreamEnd,
    /// The data ended (EOF) in the middle of the stream.
    Eof,
}

/// Text with characters that XML 1.0 cannot carry removed (1C strings may contain them, and one
/// of them makes the server close the stream with not-well-formed, losing the session).
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    }
    // Almost every text is clean: then it is not copied here (the element copies it once).
    match text.chars().all(allowed) {
        true => std::borrow::Cow::Borrowed(text),
        false => text.chars().filter(|&c| allowed(c)).collect(),
    }
}

/// Reads an XMPP stream: first the stream header, then one top-level element at a time.
pub struct StreamReader<R: BufRead> {
    reader: NsReader<R>,
    buf: Vec<u8>,
}

impl<R: BufRead> StreamReader<R> {
    pub fn new(inner: R) -> StreamReader<R> {
        let mut reader = NsReader::from_reader(inner);
        // Stanzas from the network: we want errors for mismatched ends, but no trimming of
        // text (bodies must arrive byte-exact).
        reader.config_mut().check_end_names = true;
        StreamReader {
            reader,
            buf: Vec::new(),
        }
    }

    pub fn into_inner(self) -> R {
        self.reader.into_inner()
    }

    pub fn get_mut(&mut self) -> &mut R {
        self.reader.get_mut()
    }

    /// Reads until the stream header and returns its attributes.
    pub fn read_header(&mut self) -> Result<Element, ReadError> {
        loop {
            self.buf.clear();
            let (ns, event) = self
                .reader
                .read_resolved_event_into(&mut self.buf)
                .map_err(map_err)?;
            match event {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Text(t) if t.xml10_content().trim().is_empty() => {}
                Event::Start(start) => {
                    let ns = namespace(&ns);
                    let el = open(&start, ns)?;
                    if !el.is("stream", super::NS_STREAM) {
                        return Err(ReadError::Malformed(format!(
                            "expected the stream header, got <{}>",
                            el.name
                        )));
                    }
                    return Ok(el);
                }
                Event::Eof => return Err(ReadError::Eof),
                _ => {
                    return Err(ReadError::Malformed(
                        "unexpected data before the stream header".into(),
                    ))
                }
            }
        }
    }

    /// Reads the next top-level element (whitespace keep-alives are skipped).
    pub fn read_element(&mut self) -> Result<Element, ReadError> {
        let mut stack: Vec<Element> = Vec::new();
        loop {
            self.buf.clear();
            let (ns, event) = self
                .reader
                .read_resolved_event_into(&mut self.buf)
                .map_err(map_err)?;
            let ns = namespace(&ns);
            match event {
                Event::Start(start) => {
                    let el = open(&start, ns)?;
                    stack.push(el);
                }
                Event::Empty(start) => {
                    let el = open(&start, ns)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(Node::Element(el)),
                        None => return Ok(el),
                    }
                }
                Event::End(_) => match stack.pop() {
                    Some(el) => match stack.last_mut() {
                        Some(parent) => parent.children.push(Node::Element(el)),
                        None => return Ok(el),
                    },
                    None => return Err(ReadError::StreamEnd),
                },
                Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
                Event::CData(t) => push_text(&mut stack, &t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        r.resolve_char_ref().map_err(map_err)?
                    } else {
                        match r.xml10_content().as_ref() {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => None,
                        }
                    };
                    match c {
                        Some(c) => push_text(&mut stack, c.encode_utf8(&mut [0; 4])),
                        None => return Err(ReadError::Malformed("unknown entity".into())),
                    }
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::DocType(_) => {
                    return Err(ReadError::Malformed("a DOCTYPE inside the stream".into()))
                }
                Event::Eof => return Err(ReadError::Eof),
            }
        }
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    // Text between top-level stanzas is whitespace keep-alive; drop it.
    if let Some(parent) = stack.last_mut() {
        match parent.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => parent.children.push(Node::Text(text.to_owned())),
        }
    }
}

fn namespace(ns: &ResolveResult) -> String {
    match ns {
        ResolveResult::Bound(n) => n.as_ref().to_owned(),
        _ => String::new(),
    }
}

fn open(start: &BytesStart, ns: String) -> Result<Element, ReadError> {
    let mut el = Element {
        name: start.local_name().as_ref().to_owned(),
        ns,
        ..Element::default()
    };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| ReadError::Malformed(e.to_string()))?;
        let key = attr.key.as_ref().to_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(map_err)?
            .into_owned();
        el.attrs.push((key, value));
    }
    Ok(el)
}

fn map_err(e: quick_xml::Error) -> ReadError {
    match e {
        quick_xml::Error::Io(io) => ReadError::Io(
            std::sync::Arc::try_unwrap(io)
                .unwrap_or_else(|a| std::io::Error::new(a.kind(), a.to_string())),
        ),
        other => ReadError::Malformed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixed_and_default_namespaces_alike() {
        let wire = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
            xmlns:stream='http://etherx.jabber.org/streams' id='x' version='1.0'> \
            <stream:features><m:mechanisms xmlns:m='urn:ietf:params:xml:ns:xmpp-sasl'>\
            <m:mechanism>PLAIN</m:mechanism></m:mechanisms></stream:features>\
            <message to='a@b'><body>Привет &amp; &lt;&gt; &#x1F600;</body></message></stream:stream>";
        let mut r = StreamReader::new(wire.as_bytes());
        let header = r.read_header().unwrap();
        assert_eq!(header.get_attr("id"), Some("x"));
        let features = r.read_element().unwrap();
        assert!(features.is("features", super::super::NS_STREAM));
        let mechs = features.find("mechanisms", super::super::NS_SASL).unwrap();
        assert_eq!(mechs.elements().next().unwrap().text_content(), "PLAIN");
        let msg = r.read_element().unwrap();
        assert!(msg.is("message", super::super::NS_CLIENT));
        assert_eq!(
            msg.find("body", super::super::NS_CLIENT)
                .unwrap()
                .text_content(),
            "Привет & <> 😀"
        );
        assert!(matches!(r.read_element(), Err(ReadError::StreamEnd)));
    }

    /// What quick-xml's own writer makes of an element, as `to_bytes` wrote it before
    /// `write_to`: the two must agree byte for byte.
    fn by_quick_xml(el: &Element, parent_ns: &str) -> Vec<u8> {
        use quick_xml::events::{BytesEnd, BytesText};
        fn write(el: &Element, w: &mut Writer<Vec<u8>>, parent_ns: &str) {
            let mut start = BytesStart::new(el.name.as_str());
            if el.ns != parent_ns {
                start.push_attribute(("xmlns", el.ns.as_str()));
            }
            for (k, v) in &el.attrs {
                start.push_attribute((k.as_str(), v.as_str()));
            }
            if el.children.is_empty() {
                w.write_event(Event::Empty(start)).unwrap();
                return;
            }
            w.write_event(Event::Start(start)).unwrap();
            for child in &el.children {
                match child {
                    Node::Element(e) => write(e, w, &el.ns),
                    Node::Text(t) => w.write_event(Event::Text(BytesText::new(t))).unwrap(),
                }
            }
            w.write_event(Event::End(BytesEnd::new(el.name.as_str())))
                .unwrap();
        }
        let mut w = Writer::new(Vec::new());
        write(el, &mut w, parent_ns);
        w.into_inner()
    }

    #[test]
    fn written_as_quick_xml_writes_it() {
        let client = super::super::NS_CLIENT;
        let tricky = "Привет, мир! <&> \"quoted\" 'single' ]]> \u{1F600} \t\r\n";
        let elements = [
            Element::new("r", crate::xmpp::stanza::NS_SM),
            Element::new("message", client)
                .attr("to", "bob@localhost/a'\"<&>")
                .attr("id", "m-1")
                .child(Element::new("body", client).text(tricky))
                .child(Element::new("thread", client).text(""))
                .child(
                    Element::new("x", "jabber:x:oob")
                        .child(Element::new("url", "jabber:x:oob").text("https://h/a?b=1&c=2")),
                ),
            Element::new("iq", client)
                .attr("type", "get")
                .child(Element::new("ping", "urn:xmpp:ping")),
        ];
        for el in &elements {
            for parent in [client, ""] {
                let mut appended = b"before".to_vec();
                el.write_to(&mut appended, parent);
                let ours = el.to_bytes(parent);
                assert_eq!(
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&by_quick_xml(el, parent))
                );
                assert_eq!(appended, [b"before".as_slice(), &ours].concat());
                assert_eq!(el.wire_len(parent), ours.len());
            }
        }
    }

    #[test]
    fn round_trip_escapes_text_and_attributes() {
        let el = Element::new("message", super::super::NS_CLIENT)
            .attr("to", "a'\"<&>@b")
            .child(Element::new("body", super::super::NS_CLIENT).text("<&> \"x\" 😀"));
        let bytes = el.to_bytes(super::super::NS_CLIENT);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("<&>"));
        let wire = [
            &b"<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>"[..],
            &bytes[..],
        ]
        .concat();
        let mut r = StreamReader::new(&wire[..]);
        r.read_header().unwrap();
        assert_eq!(r.read_element().unwrap(), el);
    }

    #[test]
    fn malformed_is_an_error() {
        let mut r = StreamReader::new(
            &b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a><b></a>"[..],
        );
        r.read_header().unwrap();
        assert!(matches!(r.read_element(), Err(ReadError::Malformed(_))));
    }

    #[test]
    fn invalid_characters_are_dropped() {
        assert_eq!(xml_safe("a\u{1}b\u{FFFE}c\r\n"), "abc\r\n");
    }
}
