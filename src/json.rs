//! Read-only access to parsed JSON. The pure readers of untrusted answers (checkers, DNS) work
//! through this trait: natively on `serde_json::Value`, in the browser on what `JSON.parse`
//! gave, which keeps serde_json's parser out of the wasm builds.

pub trait JsonView: Sized {
    fn field(&self, key: &str) -> Option<Self>;
    fn as_bool(&self) -> Option<bool>;
    fn as_f64(&self) -> Option<f64>;
    fn as_string(&self) -> Option<String>;
    fn items(&self) -> Option<Vec<Self>>;
    /// JSON `null` (in the browser, `null` or `undefined`).
    fn is_null(&self) -> bool;
    /// Whether the value is text, without copying it (the browser layer checks the type alone).
    fn is_text(&self) -> bool {
        self.as_string().is_some()
    }

    /// A whole number from 0 up, as JSON writes counts and status codes.
    fn as_u64(&self) -> Option<u64> {
        self.as_f64()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= u64::MAX as f64)
            .map(|n| n as u64)
    }
}

impl JsonView for serde_json::Value {
    fn field(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).cloned()
    }
    fn as_bool(&self) -> Option<bool> {
        serde_json::Value::as_bool(self)
    }
    fn as_f64(&self) -> Option<f64> {
        serde_json::Value::as_f64(self)
    }
    fn as_string(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
    fn is_null(&self) -> bool {
        serde_json::Value::is_null(self)
    }
    fn is_text(&self) -> bool {
        self.is_string()
    }
}

/// Parses `body` natively (tests, tools); the browser layer parses with `JSON.parse`.
pub fn parse(body: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(body).map_err(|_| "answer is not JSON".to_string())
}
