//! UTF-16 in and out, and decoding of the variants 1C passes.

use std::slice;

use super::types::{vtype, TVariant, WChar};
use crate::addin::{limit, DateTime, Value};

/// A NUL-terminated UTF-16 copy of `text`, owned by us (for AddError and ExternalEvent, whose
/// strings the platform copies).
pub fn to_utf16_nul(text: &str) -> Vec<WChar> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Reads a NUL-terminated UTF-16 name (a member name, a locale) of at most `max_units` code
/// units. `None` for null, for text without a NUL within the limit, and for invalid UTF-16:
/// none of those can name anything we have.
///
/// # Safety
/// `ptr` is null or points at readable UTF-16 that is NUL-terminated or at least `max_units`
/// units long.
pub unsafe fn read_name(ptr: *const WChar, max_units: usize) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the caller guarantees readable units up to the NUL or max_units.
    while len < max_units && unsafe { *ptr.add(len) } != 0 {
        len += 1;
    }
    if len == max_units {
        return None;
    }
    // SAFETY: the `len` units before the NUL were just read one by one.
    String::from_utf16(unsafe { slice::from_raw_parts(ptr, len) }).ok()
}

/// Decodes UTF-16 that may be broken: a lone surrogate is reported with its position (in code
/// units) rather than replaced, since a silently changed password or token is worse than an
/// error.
pub fn decode_utf16(units: &[WChar]) -> Value {
    let mut text = String::with_capacity(units.len());
    let mut position = 0;
    for decoded in char::decode_utf16(units.iter().copied()) {
        match decoded {
            Ok(c) => {
                text.push(c);
                position += c.len_utf16();
            }
            Err(_) => return Value::InvalidText { position },
        }
    }
    Value::Str(text)
}

/// The length in characters of a platform string longer than any parameter or property takes
/// ([`limit::LONGEST`]), counted where it lies without copying it; `None` for a string within
/// that. A character is one or two UTF-16 units, so only a string of more units than the limit
/// is counted at all. Refusing here rather than after decoding keeps a 100 MB string from being
/// copied whole (and from aborting the 1C process when that copy cannot be had).
fn utf16_too_long(units: &[WChar]) -> Option<usize> {
    if units.len() <= limit::LONGEST {
        return None;
    }
    // A broken surrogate counts as one character; decode_utf16 reports it if the length passes.
    let chars = char::decode_utf16(units.iter().copied()).count();
    (chars > limit::LONGEST).then_some(chars)
}

/// The same for UTF-8 bytes (VTYPE_PSTR), which are at least one byte per character.
fn utf8_too_long(text: &str) -> Option<usize> {
    if text.len() <= limit::LONGEST {
        return None;
    }
    let chars = text.chars().count();
    (chars > limit::LONGEST).then_some(chars)
}

/// Converts a variant from 1C into a Value. Never fails: what cannot be used becomes
/// `InvalidText` or `Unsupported`, and the add-in layer names the parameter in its error.
///
/// # Safety
/// `var` is a valid tVariant whose pointers, when its type has them, point at `len` readable
/// units/bytes (as the platform guarantees for the parameters it passes).
pub unsafe fn read_variant(var: &TVariant) -> Value {
    let vt = var.vt;
    // SAFETY (all union reads below): the type tag says which member the platform wrote.
    unsafe {
        match vt {
            vtype::EMPTY => Value::Empty,
            vtype::NULL => Value::Null,
            vtype::BOOL => Value::Bool(var.value.b_val),
            vtype::I1 => Value::Int(i64::from(var.value.i8_val)),
            vtype::I2 => Value::Int(i64::from(var.value.short_val)),
            // VTYPE_ERROR (an SCODE) is not a Number: it falls to Unsupported below.
            vtype::I4 | vtype::INT => Value::Int(i64::from(var.value.l_val)),
            vtype::I8 => Value::Int(var.value.ll_val),
            vtype::UI1 => Value::Int(i64::from(var.value.ui8_val)),
            vtype::UI2 => Value::Int(i64::from(var.value.ushort_val)),
            vtype::UI4 | vtype::UINT => Value::Int(i64::from(var.value.ul_val)),
            vtype::UI8 => match i64::try_from(var.value.ull_val) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Double(var.value.ull_val as f64),
            },
            vtype::R4 => Value::Double(f64::from(var.value.flt_val)),
            vtype::R8 => Value::Double(var.value.dbl_val),
            vtype::TM => {
                let tm = var.value.tm_val;
                Value::Date(DateTime {
                    year: tm.tm_year + 1900,
                    month: tm.tm_mon + 1,
                    day: tm.tm_mday,
                    hour: tm.tm_hour,
                    minute: tm.tm_min,
                    second: tm.tm_sec,
                })
            }
            vtype::DATE => ole_date(var.value.date),
            vtype::PWSTR => {
                let WStrValParts { ptr, len } = wstr_parts(var);
                if ptr.is_null() {
                    if len == 0 {
                        Value::Str(String::new())
                    } else {
                        Value::InvalidText { position: 0 }
                    }
                } else {
                    let units = slice::from_raw_parts(ptr, len);
                    match utf16_too_long(units) {
                        Some(chars) => Value::TooLong { chars },
                        None => decode_utf16(units),
                    }
                }
            }
            vtype::PSTR => {
                let (ptr, len) = (var.value.str.ptr, var.value.str.len as usize);
                if ptr.is_null() {
                    if len == 0 {
                        Value::Str(String::new())
                    } else {
                        Value::InvalidText { position: 0 }
                    }
                } else {
                    let bytes = slice::from_raw_parts(ptr.cast::<u8>(), len);
                    match std::str::from_utf8(bytes) {
                        Ok(s) => match utf8_too_long(s) {
                            Some(chars) => Value::TooLong { chars },
                            None => Value::Str(s.to_owned()),
                        },
                        Err(e) => Value::InvalidText {
                            position: e.valid_up_to(),
                        },
                    }
                }
            }
            vtype::BLOB => {
                let (ptr, len) = (var.value.str.ptr, var.value.str.len as usize);
                if ptr.is_null() {
                    if len == 0 {
                        Value::Blob(bytes::Bytes::new())
                    } else {
                        Value::Unsupported(vt)
                    }
                } else {
                    // The one copy: out of the platform's block, which is freed after the call.
                    // Reserved first: a failed allocation must become an error, not abort the
                    // 1C process (a large file in a 32-bit client's address space).
                    let mut copy = Vec::new();
                    match copy.try_reserve_exact(len) {
                        Ok(()) => {
                            copy.extend_from_slice(slice::from_raw_parts(ptr.cast::<u8>(), len));
                            Value::Blob(bytes::Bytes::from(copy))
                        }
                        Err(_) => Value::BlobNoMemory { bytes: len },
                    }
                }
            }
            other => Value::Unsupported(other),
        }
    }
}

/// An OLE Automation date (days since 1899-12-30, time as the fraction) as a calendar date.
/// Written by hand: it is a dozen lines of arithmetic, not worth a date crate.
fn ole_date(days: f64) -> Value {
    if !days.is_finite() || days.abs() > 3.0e6 {
        return Value::Unsupported(vtype::DATE);
    }
    let whole = days.floor();
    let mut seconds = ((days - whole) * 86_400.0).round() as i64;
    let mut day_number = whole as i64 - 25_569; // days since 1970-01-01
    if seconds == 86_400 {
        seconds = 0;
        day_number += 1;
    }
    // Civil date from a day count (proleptic Gregorian), era-based.
    let z = day_number + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Value::Date(DateTime {
        year: year as i32,
        month: month as i32,
        day: day as i32,
        hour: (seconds / 3600) as i32,
        minute: (seconds / 60 % 60) as i32,
        second: (seconds % 60) as i32,
    })
}

struct WStrValParts {
    ptr: *const WChar,
    len: usize,
}

/// # Safety
/// `var.vt` is PWSTR.
unsafe fn wstr_parts(var: &TVariant) -> WStrValParts {
    // SAFETY: the caller checked the tag.
    let w = unsafe { var.value.wstr };
    WStrValParts {
        ptr: w.ptr,
        len: w.len as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_is_reported_where_it_is() {
        let mut units: Vec<u16> = "Привет".encode_utf16().collect();
        units.push(0xD800);
        units.extend("!".encode_utf16());
        assert_eq!(decode_utf16(&units), Value::InvalidText { position: 6 });
        let emoji: Vec<u16> = "a😀b".encode_utf16().collect();
        assert_eq!(decode_utf16(&emoji), Value::Str("a😀b".into()));
        assert_eq!(decode_utf16(&[0xDC00]), Value::InvalidText { position: 0 });
    }

    /// A variant as the platform passes a string: pointer and length in UTF-16 units.
    fn wstr(units: &[u16]) -> TVariant {
        let mut var = TVariant::empty();
        var.vt = vtype::PWSTR;
        var.value = super::super::types::VariantValue {
            wstr: super::super::types::WStrVal {
                ptr: units.as_ptr().cast_mut(),
                len: units.len() as u32,
            },
        };
        var
    }

    #[test]
    fn a_string_past_every_limit_is_measured_not_decoded() {
        // One character past the longest limit: refused with its length in characters.
        let long = vec![u16::from(b'7'); limit::LONGEST + 1];
        // SAFETY: the variant points at `long`, alive for the call.
        let value = unsafe { read_variant(&wstr(&long)) };
        assert_eq!(
            value,
            Value::TooLong {
                chars: limit::LONGEST + 1
            }
        );
        // Exactly the limit is decoded as any other string.
        // SAFETY: as above.
        let value = unsafe { read_variant(&wstr(&long[1..])) };
        assert!(matches!(value, Value::Str(s) if s.len() == limit::LONGEST));
        // Emoji are two units each: more units than the limit but as many characters passes,
        // one more character does not.
        let emoji: Vec<u16> = "😀".repeat(limit::LONGEST).encode_utf16().collect();
        assert_eq!(emoji.len(), 2 * limit::LONGEST);
        // SAFETY: as above.
        let value = unsafe { read_variant(&wstr(&emoji)) };
        assert!(matches!(value, Value::Str(s) if s.chars().count() == limit::LONGEST));
        let mut more = emoji;
        more.extend("😀".encode_utf16());
        // SAFETY: as above.
        let value = unsafe { read_variant(&wstr(&more)) };
        assert_eq!(
            value,
            Value::TooLong {
                chars: limit::LONGEST + 1
            }
        );
    }

    #[test]
    fn ole_dates_become_calendar_dates() {
        let d = |y, mo, da, h, mi, s| {
            Value::Date(DateTime {
                year: y,
                month: mo,
                day: da,
                hour: h,
                minute: mi,
                second: s,
            })
        };
        assert_eq!(ole_date(0.0), d(1899, 12, 30, 0, 0, 0));
        assert_eq!(ole_date(46_349.5), d(2026, 11, 23, 12, 0, 0));
        assert_eq!(ole_date(f64::NAN), Value::Unsupported(vtype::DATE));
    }

    #[test]
    fn names_stop_at_nul_and_at_the_limit() {
        let name = to_utf16_nul("ОтправитьXMPP");
        // SAFETY: a NUL-terminated buffer we own.
        assert_eq!(
            unsafe { read_name(name.as_ptr(), 64) }.as_deref(),
            Some("ОтправитьXMPP")
        );
        // SAFETY: as above; the limit is shorter than the name.
        assert_eq!(unsafe { read_name(name.as_ptr(), 5) }, None);
        // SAFETY: null is allowed.
        assert_eq!(unsafe { read_name(std::ptr::null(), 5) }, None);
    }
}
