//! JSON-RPC 2.0 as Agave speaks it (jsonrpc-core 18 and jsonrpc-derive): error
//! objects with Agave's codes and words, request checks, and positional params read
//! the way jsonrpc-derive reads them, so a wrong param gets the same message.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

/// JSON-RPC's own codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
    pub fn parse() -> Self {
        Self::new(PARSE_ERROR, "Parse error")
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(INVALID_REQUEST, message)
    }
    pub fn method_not_found() -> Self {
        Self::new(METHOD_NOT_FOUND, "Method not found")
    }
    /// `-32602` with Agave's message as is (no prefix of our own).
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }
    /// jsonrpc-core's `invalid_params_with_details`.
    pub fn invalid_params_with_details(message: &str, details: &str) -> Self {
        Self::new(INVALID_PARAMS, format!("Invalid parameters: {message}"))
            .with_data(json!(format!("{details:?}")))
    }
    pub fn internal() -> Self {
        Self::new(INTERNAL_ERROR, "Internal error")
    }
    /// `-32016`, with the context slot the node has reached.
    pub fn min_context_slot_not_reached(context_slot: u64) -> Self {
        Self::new(-32016, "Minimum context slot has not been reached")
            .with_data(json!({ "contextSlot": context_slot }))
    }
    pub fn block_not_available(slot: u64) -> Self {
        Self::new(-32004, format!("Block not available for slot {slot}"))
    }
    pub fn slot_skipped(slot: u64) -> Self {
        Self::new(
            -32007,
            format!("Slot {slot} was skipped, or missing due to ledger jump to recent snapshot"),
        )
    }
    pub fn block_cleaned_up(slot: u64, first_available_block: u64) -> Self {
        Self::new(
            -32001,
            format!(
                "Block {slot} cleaned up, does not exist on node. First available block: {first_available_block}"
            ),
        )
    }
    pub fn signature_verification_failure() -> Self {
        Self::new(-32003, "Transaction signature verification failure")
    }
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "code": self.code, "message": self.message });
        if let Some(data) = &self.data {
            v["data"] = data.clone();
        }
        v
    }
}

pub type RpcResult = Result<Value, RpcError>;

pub fn response(id: Value, result: RpcResult) -> Value {
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "result": result, "id": id }),
        Err(e) => json!({ "jsonrpc": "2.0", "error": e.to_json(), "id": id }),
    }
}

/// A request's id, method and params, checked as JSON-RPC 2.0 asks.
pub struct Request {
    pub id: Value,
    pub method: String,
    pub params: Value,
}

pub fn parse_request(value: Value) -> Result<Request, (Value, RpcError)> {
    let invalid = || RpcError::invalid_request("Invalid request");
    let Value::Object(mut obj) = value else {
        return Err((Value::Null, invalid()));
    };
    let id = obj.remove("id").unwrap_or(Value::Null);
    if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
        return Err((Value::Null, invalid()));
    }
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err((id, invalid()));
    }
    let Some(method) = obj.get("method").and_then(Value::as_str).map(str::to_owned) else {
        return Err((id, invalid()));
    };
    let params = obj.remove("params").unwrap_or(Value::Null);
    if !matches!(params, Value::Null | Value::Array(_) | Value::Object(_)) {
        return Err((id, invalid()));
    }
    Ok(Request { id, method, params })
}

/// serde's error, as jsonrpc-core words it.
fn serde_error(e: serde_json::Error) -> RpcError {
    RpcError::invalid_params(format!("Invalid params: {e}."))
}

/// Reads the positional params of a method of `total` parameters, the first
/// `required` of them mandatory and the rest optional, into the tuple `T` (all
/// `total` of them; missing ones read as `null`), as jsonrpc-derive does.
pub fn params<T: DeserializeOwned>(
    params: Value,
    required: usize,
    total: usize,
) -> Result<T, RpcError> {
    if required == total {
        // No optional params: the whole array is one tuple.
        return serde_json::from_value(params).map_err(serde_error);
    }
    let mut list = match params {
        Value::Null => Vec::new(),
        Value::Array(list) => list,
        _ => return Err(RpcError::invalid_params("`params` should be an array")),
    };
    if list.len() < required {
        return Err(RpcError::invalid_params(format!(
            "`params` should have at least {required} argument(s)"
        )));
    }
    if list.len() > total {
        return Err(RpcError::invalid_params_with_details(
            &format!("Expected from {required} to {total} parameters."),
            &format!("Got: {}", list.len()),
        ));
    }
    list.resize(total, Value::Null);
    serde_json::from_value(Value::Array(list)).map_err(serde_error)
}

/// For methods without params: none, or an empty array.
pub fn no_params(params: &Value) -> Result<(), RpcError> {
    match params {
        Value::Null => Ok(()),
        Value::Array(v) if v.is_empty() => Ok(()),
        Value::Array(v) => Err(RpcError::invalid_params_with_details(
            "No parameters were expected",
            &format!("Array({v:?})"),
        )),
        other => Err(RpcError::invalid_params_with_details(
            "No parameters were expected",
            &format!("Map({other:?})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        let ok = parse_request(json!({"jsonrpc":"2.0","id":1,"method":"getSlot"}))
            .ok()
            .unwrap();
        assert_eq!((ok.id, ok.method.as_str()), (json!(1), "getSlot"));
        for req in [
            json!([]),
            json!({"jsonrpc":"1.0","id":1,"method":"getSlot"}),
            json!({"jsonrpc":"2.0","id":1}),
            json!({"jsonrpc":"2.0","id":{},"method":"getSlot"}),
            json!({"jsonrpc":"2.0","id":1,"method":"getSlot","params":7}),
        ] {
            let (_, e) = parse_request(req.clone()).err().unwrap();
            assert_eq!(e, RpcError::invalid_request("Invalid request"), "{req}");
        }
    }

    #[test]
    fn params_fail_with_jsonrpc_derive_words() {
        type Two = (String, Option<u64>);
        let p: Two = params(json!(["a"]), 1, 2).unwrap();
        assert_eq!(p, ("a".to_string(), None));
        let e = params::<Two>(json!([]), 1, 2).unwrap_err();
        assert_eq!(e.message, "`params` should have at least 1 argument(s)");
        let e = params::<Two>(json!({"a": 1}), 1, 2).unwrap_err();
        assert_eq!(e.message, "`params` should be an array");
        let e = params::<Two>(json!(["a", 1, 2]), 1, 2).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str(), e.data),
            (
                -32602,
                "Invalid parameters: Expected from 1 to 2 parameters.",
                Some(json!("\"Got: 3\""))
            )
        );
        let e = params::<Two>(json!([1]), 1, 2).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid params: invalid type: integer `1`, expected a string."
        );
        let e = params::<(u64,)>(json!(["x"]), 1, 1).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid params: invalid type: string \"x\", expected u64."
        );
        let e = no_params(&json!([1])).unwrap_err();
        assert_eq!(e.message, "Invalid parameters: No parameters were expected");
    }
}
