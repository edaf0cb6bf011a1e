//! Values as 1C passes and receives them, and their 1C type names for messages.

use crate::i18n::Lang;

/// A 1C date as the platform passes it (struct tm, local time, no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: i32,
    pub day: i32,
    pub hour: i32,
    pub minute: i32,
    pub second: i32,
}

/// A value crossing the boundary, already decoded from the platform's variant.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Неопределено.
    Empty,
    Null,
    Bool(bool),
    /// Any integral variant type.
    Int(i64),
    Double(f64),
    Date(DateTime),
    Str(String),
    /// ДвоичныеДанные: copied once out of the platform's memory, then shared, never copied
    /// again on the way to an upload.
    Blob(bytes::Bytes),
    /// A string whose UTF-16 is broken at this code unit.
    InvalidText {
        position: usize,
    },
    /// A string longer than any parameter or property takes ([`limit::LONGEST`] characters),
    /// measured in the platform's memory and never decoded: `chars` is its length.
    ///
    /// [`limit::LONGEST`]: super::members::limit::LONGEST
    TooLong {
        chars: usize,
    },
    /// ДвоичныеДанные of `bytes` bytes that could not be copied out of the platform's memory:
    /// the process had no room for the copy (a 32-bit client with a file of a gigabyte).
    BlobNoMemory {
        bytes: usize,
    },
    /// A variant type 1C does not use (interfaces, CLSIDs...).
    Unsupported(u16),
}

/// The 1C type of a value, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Undefined,
    Null,
    Boolean,
    Number,
    Date,
    String,
    BinaryData,
    Unsupported(u16),
}

impl ValueKind {
    pub fn name(self, lang: Lang) -> String {
        let fixed = match (self, lang) {
            (ValueKind::Undefined, Lang::En) => "Undefined",
            (ValueKind::Undefined, Lang::Ru) => "Неопределено",
            (ValueKind::Null, _) => "Null",
            (ValueKind::Boolean, Lang::En) => "a Boolean",
            (ValueKind::Boolean, Lang::Ru) => "Булево",
            (ValueKind::Number, Lang::En) => "a Number",
            (ValueKind::Number, Lang::Ru) => "Число",
            (ValueKind::Date, Lang::En) => "a Date",
            (ValueKind::Date, Lang::Ru) => "Дата",
            (ValueKind::String, Lang::En) => "a String",
            (ValueKind::String, Lang::Ru) => "Строка",
            (ValueKind::BinaryData, Lang::En) => "BinaryData",
            (ValueKind::BinaryData, Lang::Ru) => "ДвоичныеДанные",
            (ValueKind::Unsupported(vt), Lang::En) => {
                return format!("a value of variant type {vt}")
            }
            (ValueKind::Unsupported(vt), Lang::Ru) => {
                return format!("значение варианта типа {vt}")
            }
        };
        fixed.to_owned()
    }
}

impl Value {
    pub fn kind(&self) -> ValueKind {
        match self {
            Value::Empty => ValueKind::Undefined,
            Value::Null => ValueKind::Null,
            Value::Bool(_) => ValueKind::Boolean,
            Value::Int(_) | Value::Double(_) => ValueKind::Number,
            Value::Date(_) => ValueKind::Date,
            Value::Str(_) | Value::InvalidText { .. } | Value::TooLong { .. } => ValueKind::String,
            Value::Blob(_) | Value::BlobNoMemory { .. } => ValueKind::BinaryData,
            Value::Unsupported(vt) => ValueKind::Unsupported(*vt),
        }
    }
}
