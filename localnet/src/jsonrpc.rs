//! JSON-RPC 2.0 as Solana speaks it: error objects, request checks, positional params.

use std::str::FromStr;

use serde_json::{json, Map, Value};
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use crate::svm_thread::Gone;

#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
    pub fn parse() -> Self {
        Self::new(-32700, "Parse error")
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(-32600, message)
    }
    pub fn method_not_found() -> Self {
        Self::new(-32601, "Method not found")
    }
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(-32602, format!("Invalid params: {}", message.into()))
    }
    pub fn invalid_param(message: impl Into<String>) -> Self {
        Self::new(-32602, format!("Invalid param: {}", message.into()))
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(-32603, message)
    }
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "code": self.code, "message": self.message });
        if let Some(data) = &self.data {
            v["data"] = data.clone();
        }
        v
    }
}

impl From<Gone> for RpcError {
    fn from(_: Gone) -> Self {
        RpcError::internal("the chain has stopped")
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
    let Value::Object(mut obj) = value else {
        return Err((Value::Null, RpcError::invalid_request("Invalid request")));
    };
    let id = obj.remove("id").unwrap_or(Value::Null);
    if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
        return Err((
            Value::Null,
            RpcError::invalid_request("Invalid request: bad id"),
        ));
    }
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err((
            id,
            RpcError::invalid_request("Invalid request: jsonrpc must be \"2.0\""),
        ));
    }
    let Some(method) = obj.get("method").and_then(Value::as_str).map(str::to_owned) else {
        return Err((
            id,
            RpcError::invalid_request("Invalid request: method must be a string"),
        ));
    };
    let params = obj.remove("params").unwrap_or(Value::Null);
    if !matches!(params, Value::Null | Value::Array(_)) {
        return Err((id, RpcError::invalid_params("params must be an array")));
    }
    Ok(Request { id, method, params })
}

/// Positional params.
pub struct Params(Vec<Value>);

impl Params {
    pub fn new(params: Value) -> Result<Self, RpcError> {
        match params {
            Value::Null => Ok(Params(vec![])),
            Value::Array(v) => Ok(Params(v)),
            _ => Err(RpcError::invalid_params("params must be an array")),
        }
    }
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }
    pub fn str(&self, i: usize, what: &str) -> Result<&str, RpcError> {
        match self.get(i) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(RpcError::invalid_params(format!("{what} must be a string"))),
            None => Err(RpcError::invalid_params(format!(
                "`params` should have at least {} argument(s)",
                i + 1
            ))),
        }
    }
    /// Param `i` as an array of at most `max` strings (`what`s), each read by `parse`.
    pub fn list<T>(
        &self,
        i: usize,
        max: usize,
        what: &str,
        parse: impl Fn(&str) -> Result<T, RpcError>,
    ) -> Result<Vec<T>, RpcError> {
        let items = self
            .get(i)
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::invalid_params(format!("expected an array of {what}")))?;
        if items.len() > max {
            return Err(RpcError::invalid_params(format!(
                "Too many inputs provided; max {max}"
            )));
        }
        items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| RpcError::invalid_param("Invalid"))
                    .and_then(&parse)
            })
            .collect()
    }
    pub fn pubkey(&self, i: usize) -> Result<Pubkey, RpcError> {
        parse_pubkey(self.str(i, "pubkey")?)
    }
    pub fn u64(&self, i: usize, what: &str) -> Result<u64, RpcError> {
        self.get(i)
            .and_then(Value::as_u64)
            .ok_or_else(|| RpcError::invalid_params(format!("{what} must be an unsigned integer")))
    }
    /// The config object at `i` (absent: empty); its commitment checked.
    pub fn config(&self, i: usize) -> Result<Map<String, Value>, RpcError> {
        let cfg = match self.get(i) {
            None => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => return Err(RpcError::invalid_params("config must be an object")),
        };
        check_commitment(cfg.get("commitment"))?;
        check_commitment(cfg.get("preflightCommitment"))?;
        Ok(cfg)
    }
}

pub fn check_commitment(v: Option<&Value>) -> Result<(), RpcError> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s))
            if matches!(
                s.as_str(),
                "processed"
                    | "confirmed"
                    | "finalized"
                    | "recent"
                    | "single"
                    | "singleGossip"
                    | "root"
                    | "max"
            ) =>
        {
            Ok(())
        }
        Some(_) => Err(RpcError::invalid_params(
            "commitment must be one of processed, confirmed, finalized",
        )),
    }
}

pub fn parse_pubkey(s: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(s).map_err(|_| RpcError::invalid_param("Invalid"))
}

pub fn parse_signature(s: &str) -> Result<Signature, RpcError> {
    Signature::from_str(s).map_err(|_| RpcError::invalid_param("Invalid"))
}

pub fn bool_opt(cfg: &Map<String, Value>, key: &str) -> Result<bool, RpcError> {
    match cfg.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(RpcError::invalid_params(format!("{key} must be a boolean"))),
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
        let cases = [
            (json!([]), -32600),
            (json!({"jsonrpc":"1.0","id":1,"method":"getSlot"}), -32600),
            (json!({"jsonrpc":"2.0","id":1}), -32600),
            (json!({"jsonrpc":"2.0","id":{},"method":"getSlot"}), -32600),
            (
                json!({"jsonrpc":"2.0","id":1,"method":"getSlot","params":{"a":1}}),
                -32602,
            ),
        ];
        for (req, code) in cases {
            let (_, e) = parse_request(req.clone()).err().unwrap();
            assert_eq!(e.code, code, "{req}");
        }
    }
}
