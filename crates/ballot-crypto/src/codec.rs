//! Group elements and scalars as base64 text in the record.

use crate::{CryptoError, CryptoResult, Group};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use elastic_elgamal::group::{ElementOps, ScalarOps};

pub type Element = <Group as ElementOps>::Element;
pub type Scalar = <Group as ScalarOps>::Scalar;

pub fn element_to_text(element: &Element) -> String {
    let mut bytes = [0_u8; <Group as ElementOps>::ELEMENT_SIZE];
    Group::serialize_element(element, &mut bytes);
    BASE64.encode(bytes)
}

pub fn element_from_text(text: &str, what: &str) -> CryptoResult<Element> {
    BASE64
        .decode(text)
        .ok()
        .filter(|bytes| bytes.len() == <Group as ElementOps>::ELEMENT_SIZE)
        .and_then(|bytes| Group::deserialize_element(&bytes))
        .ok_or_else(|| CryptoError::Malformed(what.to_owned()))
}

pub fn scalar_to_text(scalar: &Scalar) -> String {
    let mut bytes = [0_u8; <Group as ScalarOps>::SCALAR_SIZE];
    Group::serialize_scalar(scalar, &mut bytes);
    BASE64.encode(bytes)
}

pub fn scalar_from_text(text: &str, what: &str) -> CryptoResult<Scalar> {
    BASE64
        .decode(text)
        .ok()
        .filter(|bytes| bytes.len() == <Group as ScalarOps>::SCALAR_SIZE)
        .and_then(|bytes| Group::deserialize_scalar(&bytes))
        .ok_or_else(|| CryptoError::Malformed(what.to_owned()))
}
