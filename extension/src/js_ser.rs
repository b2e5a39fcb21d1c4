//! Writes the core's serde types as plain JS values, the shapes JSON has (what storage keeps and
//! `js_de` reads back): objects, arrays, strings, numbers, booleans, and null for nothing.
//! It replaces serde-wasm-bindgen for size, as `js_de` does.

use super::js_shape::Refused;
use js_sys::{Array, Object, Reflect};
use serde::ser::{self, Serialize};
use wasm_bindgen::JsValue;

impl ser::Error for Refused {
    fn custom<T: std::fmt::Display>(_message: T) -> Self {
        Refused
    }
}

/// `value` as a plain JS value.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Refused> {
    value.serialize(Writer)
}

struct Writer;

fn set(object: &Object, key: &str, value: JsValue) -> Result<(), Refused> {
    Reflect::set(object, &JsValue::from_str(key), &value)
        .map(|_| ())
        .map_err(|_| Refused)
}

/// `{ name: value }`: how a variant with content is written.
fn tagged(name: &str, value: JsValue) -> Result<JsValue, Refused> {
    let object = Object::new();
    set(&object, name, value)?;
    Ok(object.into())
}

macro_rules! numbers {
    ($($method:ident: $t:ty)*) => {$(
        fn $method(self, v: $t) -> Result<JsValue, Refused> {
            Ok(JsValue::from_f64(v as f64))
        }
    )*};
}

impl ser::Serializer for Writer {
    type Ok = JsValue;
    type Error = Refused;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Items;
    type SerializeMap = Fields;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Fields;

    numbers!(serialize_i8: i8 serialize_i16: i16 serialize_i32: i32 serialize_i64: i64
        serialize_u8: u8 serialize_u16: u16 serialize_u32: u32 serialize_u64: u64
        serialize_f32: f32 serialize_f64: f64);

    fn serialize_bool(self, v: bool) -> Result<JsValue, Refused> {
        Ok(JsValue::from_bool(v))
    }

    fn serialize_char(self, v: char) -> Result<JsValue, Refused> {
        Ok(JsValue::from_str(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_str(self, v: &str) -> Result<JsValue, Refused> {
        Ok(JsValue::from_str(v))
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<JsValue, Refused> {
        Err(Refused)
    }

    fn serialize_none(self) -> Result<JsValue, Refused> {
        Ok(JsValue::NULL)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<JsValue, Refused> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<JsValue, Refused> {
        Ok(JsValue::NULL)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<JsValue, Refused> {
        Ok(JsValue::NULL)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<JsValue, Refused> {
        Ok(JsValue::from_str(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<JsValue, Refused> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<JsValue, Refused> {
        tagged(variant, value.serialize(self)?)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Items, Refused> {
        Ok(Items {
            items: Array::new(),
            variant: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Items, Refused> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Items, Refused> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Items, Refused> {
        Ok(Items {
            items: Array::new(),
            variant: Some(variant),
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Fields, Refused> {
        Ok(Fields {
            object: Object::new(),
            key: None,
            variant: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields, Refused> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Fields, Refused> {
        Ok(Fields {
            object: Object::new(),
            key: None,
            variant: Some(variant),
        })
    }
}

pub struct Items {
    items: Array,
    /// Set for a tuple variant: the array goes under this name.
    variant: Option<&'static str>,
}

impl Items {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.items.push(&value.serialize(Writer)?);
        Ok(())
    }

    fn finish(self) -> Result<JsValue, Refused> {
        match self.variant {
            Some(name) => tagged(name, self.items.into()),
            None => Ok(self.items.into()),
        }
    }
}

/// The four sequence-like shapes serde asks for are written alike.
macro_rules! sequence {
    ($($shape:ident :: $method:ident)*) => {$(
        impl ser::$shape for Items {
            type Ok = JsValue;
            type Error = Refused;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
                self.push(value)
            }
            fn end(self) -> Result<JsValue, Refused> {
                self.finish()
            }
        }
    )*};
}

sequence!(SerializeSeq::serialize_element SerializeTuple::serialize_element
    SerializeTupleStruct::serialize_field SerializeTupleVariant::serialize_field);

pub struct Fields {
    object: Object,
    /// A map's key, written before its value.
    key: Option<String>,
    /// Set for a struct variant: the object goes under this name.
    variant: Option<&'static str>,
}

impl Fields {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Refused> {
        set(&self.object, key, value.serialize(Writer)?)
    }

    fn finish(self) -> Result<JsValue, Refused> {
        match self.variant {
            Some(name) => tagged(name, self.object.into()),
            None => Ok(self.object.into()),
        }
    }
}

impl ser::SerializeMap for Fields {
    type Ok = JsValue;
    type Error = Refused;
    /// Keys are strings (the core's types have no other kind of map key).
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Refused> {
        self.key = Some(key.serialize(Writer)?.as_string().ok_or(Refused)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        let key = self.key.take().ok_or(Refused)?;
        self.field(&key, value)
    }
    fn end(self) -> Result<JsValue, Refused> {
        self.finish()
    }
}

/// A struct and a struct variant are written alike.
macro_rules! structure {
    ($($shape:ident)*) => {$(
        impl ser::$shape for Fields {
            type Ok = JsValue;
            type Error = Refused;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Refused> {
                self.field(key, value)
            }
            fn end(self) -> Result<JsValue, Refused> {
                self.finish()
            }
        }
    )*};
}

structure!(SerializeStruct SerializeStructVariant);
