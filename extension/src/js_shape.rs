//! The one error of `js_de` and `js_ser`: a value that is not the shape its type asks for.

use serde::de;
use std::fmt;
use wasm_bindgen::JsValue;

/// A value that is not the shape the type asks for. No detail: the callers treat every such
/// value alike (left out, logged, or answered with a fixed message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not the expected shape")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Refused
    }
}

impl From<Refused> for JsValue {
    fn from(_: Refused) -> JsValue {
        JsValue::from_str("not the expected shape")
    }
}
