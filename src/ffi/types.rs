//! The C types of the Native API: tVariant and its parts, laid out per target and checked at
//! compile time against the sizes the platform's headers give (see include/messenger_addin.h).

use std::ffi::{c_char, c_int, c_long, c_void};
use std::mem::{offset_of, size_of};

/// `WCHAR_T`: a UTF-16 code unit on every platform (never Linux's 4-byte wchar_t).
pub type WChar = u16;

/// `TYPEVAR`: the type tag of a tVariant.
pub type TypeVar = u16;

/// The VTYPE_* tags: the whole list, though 1C passes only a few of them.
#[allow(dead_code)]
pub mod vtype {
    use super::TypeVar;
    pub const EMPTY: TypeVar = 0;
    pub const NULL: TypeVar = 1;
    pub const I2: TypeVar = 2;
    pub const I4: TypeVar = 3;
    pub const R4: TypeVar = 4;
    pub const R8: TypeVar = 5;
    pub const DATE: TypeVar = 6;
    pub const TM: TypeVar = 7;
    pub const PSTR: TypeVar = 8;
    pub const INTERFACE: TypeVar = 9;
    pub const ERROR: TypeVar = 10;
    pub const BOOL: TypeVar = 11;
    pub const VARIANT: TypeVar = 12;
    pub const I1: TypeVar = 13;
    pub const UI1: TypeVar = 14;
    pub const UI2: TypeVar = 15;
    pub const UI4: TypeVar = 16;
    pub const I8: TypeVar = 17;
    pub const UI8: TypeVar = 18;
    pub const INT: TypeVar = 19;
    pub const UINT: TypeVar = 20;
    pub const HRESULT: TypeVar = 21;
    pub const PWSTR: TypeVar = 22;
    pub const BLOB: TypeVar = 23;
    pub const CLSID: TypeVar = 24;
}

/// C's `struct tm` as the platform's C library lays it out (glibc has two extra fields).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Tm {
    pub tm_sec: c_int,
    pub tm_min: c_int,
    pub tm_hour: c_int,
    pub tm_mday: c_int,
    pub tm_mon: c_int,
    pub tm_year: c_int,
    pub tm_wday: c_int,
    pub tm_yday: c_int,
    pub tm_isdst: c_int,
    #[cfg(not(windows))]
    pub tm_gmtoff: c_long,
    #[cfg(not(windows))]
    pub tm_zone: *const c_char,
}

/// A byte string or BLOB: pointer and length in bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StrVal {
    pub ptr: *mut c_char,
    pub len: u32,
}

/// A UTF-16 string: pointer and length in code units, without the terminating NUL.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WStrVal {
    pub ptr: *mut WChar,
    pub len: u32,
}

/// An interface pointer with its IID.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct InterfaceVal {
    pub ptr: *mut c_void,
    pub iid: [u8; 16],
}

/// The value part of a tVariant; its size is driven by `struct tm`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union VariantValue {
    pub i8_val: i8,
    pub short_val: i16,
    pub l_val: i32,
    pub int_val: c_int,
    pub uint_val: u32,
    pub ll_val: i64,
    pub ui8_val: u8,
    pub ushort_val: u16,
    pub ul_val: u32,
    pub ull_val: u64,
    pub err_code: i32,
    pub h_res: c_long,
    pub flt_val: f32,
    pub dbl_val: f64,
    pub b_val: bool,
    pub ch_val: c_char,
    pub wch_val: WChar,
    pub date: f64,
    pub id_val: [u8; 16],
    pub pvar_val: *mut TVariant,
    pub tm_val: Tm,
    pub interface: InterfaceVal,
    pub str: StrVal,
    pub wstr: WStrVal,
}

/// `tVariant`: a value passed between 1C and the add-in.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TVariant {
    pub value: VariantValue,
    pub cb_elements: u32,
    pub vt: TypeVar,
}

impl TVariant {
    /// An EMPTY variant (all zero, as the platform hands out return slots).
    pub fn empty() -> TVariant {
        TVariant {
            value: VariantValue { ull_val: 0 },
            cb_elements: 0,
            vt: vtype::EMPTY,
        }
    }
}

// The layout the platform expects, per target (sizes from compiling the SDK headers; see
// reference/native-api.md §5). A mismatch here would corrupt every call, so it stops the build.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const _: () = {
    assert!(size_of::<Tm>() == 56);
    assert!(size_of::<TVariant>() == 64);
    assert!(offset_of!(TVariant, cb_elements) == 56);
    assert!(offset_of!(TVariant, vt) == 60);
    assert!(std::mem::align_of::<TVariant>() == 8);
};
#[cfg(all(target_os = "linux", target_arch = "x86"))]
const _: () = {
    assert!(size_of::<Tm>() == 44);
    assert!(size_of::<TVariant>() == 52);
    assert!(offset_of!(TVariant, cb_elements) == 44);
    assert!(offset_of!(TVariant, vt) == 48);
};
// Both Windows targets: MSVC's tm is nine ints, and MSVC aligns double and 64-bit integers to 8
// on x86 too (so does Rust for i686-pc-windows-gnu), which pads the union from 36 to 40 bytes.
#[cfg(windows)]
const _: () = {
    assert!(size_of::<Tm>() == 36);
    assert!(size_of::<VariantValue>() == 40);
    assert!(size_of::<TVariant>() == 48);
    assert!(offset_of!(TVariant, cb_elements) == 40);
    assert!(offset_of!(TVariant, vt) == 44);
    assert!(std::mem::align_of::<TVariant>() == 8);
    // LLP64: the headers' `long` (GetInfo, indices, scode) and `unsigned long` (AllocMemory).
    assert!(size_of::<c_long>() == 4);
    assert!(size_of::<std::ffi::c_ulong>() == 4);
};
// On every target the pointer of a string sits at offset 0 and its length one pointer later.
const _: () = {
    assert!(offset_of!(WStrVal, ptr) == 0);
    assert!(offset_of!(WStrVal, len) == size_of::<*const u8>());
    assert!(offset_of!(StrVal, len) == size_of::<*const u8>());
    assert!(offset_of!(TVariant, value) == 0);
};

/// Destructor slots at the start of every C++ vtable of the interface, ours and the
/// platform's: the Itanium ABI (Linux, macOS) has two (complete-object and deleting
/// destructor), MSVC (Windows) one (the scalar deleting destructor taking flags).
#[cfg(not(windows))]
pub const DTOR_SLOTS: usize = 2;
#[cfg(windows)]
pub const DTOR_SLOTS: usize = 1;

/// `AppCapabilities` of SetPlatformCapabilities.
pub const APP_CAPABILITIES_LAST: c_int = 3;
/// `AttachType::eCanAttachAny`.
pub const CAN_ATTACH_ANY: c_int = 3;
/// `ADDIN_E_FAIL`: an error message with the error icon.
pub const ADDIN_E_FAIL: u16 = 1006;
/// The value GetInfo returns: Native API version 2.
pub const NATIVE_API_VERSION: c_long = 2000;
