//! The typed reading of a call's arguments, with errors that name the parameter.

use serde::de::DeserializeOwned;

use super::error::AddinError;
use super::members::{Kind, Method};
use super::value::Value;
use crate::reason::{JsonProblem, JsonReason};

/// The arguments of one call, read by position with errors that name the parameter.
pub struct Args<'a> {
    pub method: &'static Method,
    values: &'a [Value],
}

impl<'a> Args<'a> {
    /// Checks the count: 1C always passes every parameter (filling defaults itself).
    pub fn new(method: &'static Method, values: &'a [Value]) -> Result<Args<'a>, AddinError> {
        if values.len() < method.required() || values.len() > method.params.len() {
            return Err(AddinError::ArgumentCount {
                method,
                got: values.len(),
            });
        }
        Ok(Args { method, values })
    }

    /// The value as passed (Undefined when omitted).
    pub fn raw(&self, index: usize) -> &'a Value {
        self.value(index)
    }

    fn value(&self, index: usize) -> &'a Value {
        // An omitted trailing parameter behaves as its default: "" / False / 0.
        self.values.get(index).unwrap_or(&Value::Empty)
    }

    fn type_error(&self, index: usize, expected: Kind) -> AddinError {
        AddinError::ArgumentType {
            method: self.method,
            index,
            expected,
            got: self.value(index).kind(),
        }
    }

    fn omitted(&self, index: usize) -> bool {
        index >= self.values.len()
    }

    /// The longest String the parameter takes, from the member table.
    fn limit(&self, index: usize) -> usize {
        self.method.params.get(index).map_or(0, |p| p.max_chars)
    }

    fn no_memory(&self, index: usize, bytes: usize) -> AddinError {
        AddinError::ArgumentNoMemory {
            method: self.method,
            index,
            bytes,
        }
    }

    fn too_long(&self, index: usize, length: usize) -> AddinError {
        AddinError::ArgumentTooLong {
            method: self.method,
            index,
            length,
            limit: self.limit(index),
        }
    }

    /// Refuses a string longer than its parameter can ever be, counting characters only when
    /// the byte length is over the limit.
    fn check_length(&self, index: usize, s: &str) -> Result<(), AddinError> {
        let limit = self.limit(index);
        if s.len() > limit {
            let length = s.chars().count();
            if length > limit {
                return Err(self.too_long(index, length));
            }
        }
        Ok(())
    }

    /// A String parameter.
    pub fn string(&self, index: usize) -> Result<&'a str, AddinError> {
        match self.value(index) {
            Value::Str(s) => {
                self.check_length(index, s)?;
                Ok(s)
            }
            Value::Empty if self.omitted(index) => Ok(""),
            Value::InvalidText { position } => Err(AddinError::ArgumentText {
                method: self.method,
                index,
                position: *position,
            }),
            // Measured, not decoded, by the FFI layer: past every parameter's limit.
            Value::TooLong { chars } => Err(self.too_long(index, *chars)),
            _ => Err(self.type_error(index, Kind::String)),
        }
    }

    /// A String parameter where empty means "not given".
    pub fn optional_string(&self, index: usize) -> Result<Option<&'a str>, AddinError> {
        self.string(index).map(|s| (!s.is_empty()).then_some(s))
    }

    /// A Boolean parameter.
    pub fn boolean(&self, index: usize) -> Result<bool, AddinError> {
        match self.value(index) {
            Value::Bool(b) => Ok(*b),
            Value::Empty if self.omitted(index) => Ok(false),
            _ => Err(self.type_error(index, Kind::Boolean)),
        }
    }

    /// A whole Number within `min..=max`.
    pub fn whole_number(&self, index: usize, min: i64, max: i64) -> Result<i64, AddinError> {
        let range = AddinError::ArgumentRange {
            method: self.method,
            index,
            min,
            max,
        };
        let n = match self.value(index) {
            Value::Int(i) => *i,
            Value::Double(d) if d.fract() == 0.0 && d.is_finite() && d.abs() < 9.0e15 => *d as i64,
            Value::Double(_) => return Err(range),
            Value::Empty if self.omitted(index) => 0,
            _ => return Err(self.type_error(index, Kind::Number)),
        };
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(range)
        }
    }

    /// A file: BinaryData (shared, not copied), or a String that is a path, an http(s) URL or a
    /// file_id.
    pub fn file(&self, index: usize) -> Result<crate::telegram::FileSource, AddinError> {
        match self.value(index) {
            Value::Blob(bytes) => Ok(crate::telegram::FileSource::Bytes(bytes.clone())),
            Value::BlobNoMemory { bytes } => Err(self.no_memory(index, *bytes)),
            Value::Str(_) | Value::InvalidText { .. } | Value::TooLong { .. } => {
                let text = self.string(index)?;
                crate::telegram::FileSource::from_text(text).map_err(|source| {
                    AddinError::Telegram {
                        method: self.method,
                        source,
                    }
                })
            }
            _ => Err(self.type_error(index, Kind::File)),
        }
    }

    /// A local file: BinaryData, or a String with a path (XmppSendFile and SendXmppFile).
    pub fn local_file(&self, index: usize) -> Result<crate::xmpp::upload::FileInput, AddinError> {
        match self.value(index) {
            Value::Blob(bytes) => Ok(crate::xmpp::upload::FileInput::Bytes(bytes.clone())),
            Value::BlobNoMemory { bytes } => Err(self.no_memory(index, *bytes)),
            Value::Str(_) | Value::InvalidText { .. } | Value::TooLong { .. } => {
                let text = self.string(index)?;
                Ok(crate::xmpp::upload::FileInput::Path(text.to_owned()))
            }
            _ => Err(self.type_error(index, Kind::LocalFile)),
        }
    }

    /// A chat id: a String as given, or a whole Number written out in digits.
    pub fn string_or_number(&self, index: usize) -> Result<String, AddinError> {
        match self.value(index) {
            Value::Int(i) => Ok(i.to_string()),
            Value::Double(d) if d.fract() == 0.0 && d.is_finite() && d.abs() < 9.0e15 => {
                Ok(format!("{}", *d as i64))
            }
            Value::Double(_) => Err(self.type_error(index, Kind::StringOrNumber)),
            Value::Str(_) | Value::InvalidText { .. } | Value::TooLong { .. } => {
                self.string(index).map(str::to_owned)
            }
            _ => Err(self.type_error(index, Kind::StringOrNumber)),
        }
    }

    /// The options parameter: a String with a JSON object (or empty), read into `T`. Unknown
    /// fields are refused by `T` (deny_unknown_fields), so a typo does not go unnoticed.
    pub fn options<T: DeserializeOwned + Default>(&self, index: usize) -> Result<T, AddinError> {
        let text = match self.value(index) {
            Value::Str(s) => s.as_str(),
            Value::Empty if self.omitted(index) => "",
            Value::InvalidText { position } => {
                return Err(AddinError::ArgumentText {
                    method: self.method,
                    index,
                    position: *position,
                })
            }
            Value::TooLong { chars } => return Err(self.too_long(index, *chars)),
            _ => return Err(self.type_error(index, Kind::JsonObject)),
        };
        self.check_length(index, text)?;
        if text.trim().is_empty() {
            return Ok(T::default());
        }
        let options_error = |reason: JsonReason| AddinError::Options {
            method: self.method,
            index,
            reason,
        };
        // serde_json keeps the last of two equal keys silently; {"days":1,"days":2} is a
        // mistake to report, at any depth.
        let json =
            serde_json::from_str::<Unique>(text).map_err(|e| options_error(JsonReason::of(&e)))?;
        if !json.0.is_object() {
            return Err(options_error(JsonReason::without_position(
                JsonProblem::NotAnObject,
            )));
        }
        // Read from the text again (not from `json`) so that a refusal has its line and column.
        serde_json::from_str(text).map_err(|e| options_error(JsonReason::of(&e)))
    }
}

/// A JSON value read with every object's keys checked to be distinct.
struct Unique(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Unique, D::Error> {
        d.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Unique(value) = map.next_value()?;
            if out.contains_key(&key) {
                // serde's own wording, which JsonReason reads back as a duplicate key.
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{}`",
                    crate::i18n::clip(&key)
                )));
            }
            out.insert(key, value);
        }
        Ok(serde_json::Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addin::members::METHODS;
    use crate::i18n::{render, Lang};

    fn make_cert() -> &'static Method {
        &METHODS[0]
    }

    #[test]
    fn a_wrong_type_names_the_parameter_in_both_languages() {
        let values = [
            Value::Str("a".into()),
            Value::Int(5),
            Value::Str("p".into()),
        ];
        let args = Args::new(make_cert(), &values).unwrap();
        let err = args.string(1).unwrap_err();
        assert_eq!(
            format!("{err}"),
            "[ARG_TYPE] MakeCert: parameter 2 (Directory): expected a String, got a Number"
        );
        assert_eq!(
            render(&err, Lang::Ru),
            "[ARG_TYPE] параметр 2 (Каталог): ожидается Строка, передано Число"
        );
    }

    #[test]
    fn counts_outside_the_range_are_refused() {
        assert!(Args::new(make_cert(), &[Value::Empty, Value::Empty]).is_err());
        assert!(Args::new(make_cert(), &vec![Value::Empty; 5]).is_err());
        assert!(Args::new(make_cert(), &vec![Value::Empty; 3]).is_ok());
    }

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(deny_unknown_fields)]
    struct Opts {
        #[allow(dead_code)]
        days: Option<u32>,
        #[allow(dead_code)]
        secret_token: Option<u32>,
    }

    #[test]
    fn options_are_a_json_object_without_unknown_fields() {
        let check = |text: &str| {
            let values = [
                Value::Str("a".into()),
                Value::Str("b".into()),
                Value::Str("c".into()),
                Value::Str(text.into()),
            ];
            Args::new(make_cert(), &values).unwrap().options::<Opts>(3)
        };
        assert!(check("").is_ok());
        assert!(check(" {\"days\": 5} ").is_ok());
        for bad in [
            "{",
            "[1]",
            "5",
            "{\"dayz\": 1}",
            "{\"days\": -1}",
            "{\"days\": \"x\"}",
        ] {
            assert!(
                matches!(check(bad), Err(AddinError::Options { .. })),
                "{bad}"
            );
        }
        let err = check("{\"secret_token\": \"hunter2\"}").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let err = check("{\"days\": \"hunter2\"}").unwrap_err();
        assert!(!render(&err, Lang::Ru).contains("hunter2"), "{err}");
    }

    #[test]
    fn russian_options_errors_carry_no_parser_english() {
        let check = |text: &str| {
            let values = [
                Value::Str("a".into()),
                Value::Str("b".into()),
                Value::Str("c".into()),
                Value::Str(text.into()),
            ];
            Args::new(make_cert(), &values)
                .unwrap()
                .options::<Opts>(3)
                .unwrap_err()
        };
        for bad in [
            "{",
            "nonsense",
            "[1]",
            "{\"dayz\": 1}",
            "{\"days\": -1}",
            "{\"days\": \"x\"}",
        ] {
            let text = render(&check(bad), Lang::Ru);
            assert!(text.starts_with("[ARG_OPTIONS] "), "{text}");
            for phrase in crate::reason::PARSER_PHRASES {
                assert!(
                    !text.contains(phrase),
                    "{bad}: {text:?} contains {phrase:?}"
                );
            }
        }
        assert_eq!(
            render(&check("{\"days\": \"x\"}"), Lang::Ru),
            "[ARG_OPTIONS] параметр 4 (Параметры): значение неверного типа: ожидается число, \
             передано строка (строка 1, позиция 12). Передайте объект JSON, например \
             {\"days\": 365}, или пустую строку"
        );
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        let check = |text: &str| {
            let values = [
                Value::Str("a".into()),
                Value::Str("b".into()),
                Value::Str("c".into()),
                Value::Str(text.into()),
            ];
            Args::new(make_cert(), &values)
                .unwrap()
                .options::<serde_json::Map<String, serde_json::Value>>(3)
        };
        let err = check(r#"{"days":1,"days":2}"#).unwrap_err();
        assert!(err.to_string().contains("`days` is given twice"), "{err}");
        assert!(check(r#"{"a":[{"x":1,"x":1}]}"#).is_err());
        assert!(check(r#"{"a":[{"x":1},{"x":1}], "b": 1.5, "c": null}"#).is_ok());
    }

    #[test]
    fn absurd_lengths_are_refused_with_the_limit() {
        let m = &METHODS[5];
        let values = [
            Value::Str("1:a".into()),
            Value::Str("1".repeat(10 * 1024 * 1024)),
            Value::Str("x".into()),
        ];
        let err = Args::new(m, &values)
            .unwrap()
            .string_or_number(1)
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("[ARG_TOO_LONG]"), "{text}");
        assert!(
            text.contains("10485760 characters, the limit is 256"),
            "{text}"
        );
        let values = [
            Value::Str("cn".into()),
            Value::Str("d".repeat(50 * 1024 * 1024)),
            Value::Str("p".into()),
        ];
        let err = Args::new(make_cert(), &values)
            .unwrap()
            .string(1)
            .unwrap_err();
        assert!(text.len() < 200 && matches!(err, AddinError::ArgumentTooLong { .. }));
    }

    #[test]
    fn chat_ids_arrive_as_strings_from_either_type() {
        let m = &METHODS[5];
        let values = [
            Value::Str("t".into()),
            Value::Double(-1001234567890.0),
            Value::Str("x".into()),
        ];
        assert_eq!(
            Args::new(m, &values).unwrap().string_or_number(1).unwrap(),
            "-1001234567890"
        );
        let values = [
            Value::Str("t".into()),
            Value::Str("@channel".into()),
            Value::Str("x".into()),
        ];
        assert_eq!(
            Args::new(m, &values).unwrap().string_or_number(1).unwrap(),
            "@channel"
        );
        let values = [
            Value::Str("t".into()),
            Value::Double(1.5),
            Value::Str("x".into()),
        ];
        assert!(Args::new(m, &values).unwrap().string_or_number(1).is_err());
    }
}
