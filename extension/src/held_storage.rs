//! For the browser-layer tests: a stand-in for the extension API whose storage area answers each
//! read only when the test says so, with what it held when it was asked (as a browser's does),
//! and fires `storage.onChanged` on each write. It lets a test put a change between a read and
//! its answer, or answer two reads in the order it chooses.
#![allow(clippy::expect_used)]

use super::api::ExtensionApi;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const STAND_IN: &str = "
    const store = {};
    const listeners = [];
    const reads = [];
    const api = {
        storage: {
            [area]: {
                get: () => new Promise((resolve) => {
                    const held = { ...store };
                    reads.push(() => resolve(held));
                }),
            },
            onChanged: { addListener: (listener) => listeners.push(listener) },
        },
        i18n: { getMessage: (key) => key },
    };
    return {
        api,
        reads: () => reads.length,
        answer: (i) => reads[i](),
        write: (key, value) => {
            store[key] = value;
            for (const listener of listeners) listener({ [key]: { newValue: value } }, area);
        },
    };
";

pub struct HeldStorage {
    stand_in: JsValue,
}

impl HeldStorage {
    /// A stand-in whose storage `area` (`"session"`, `"sync"`) holds nothing yet.
    pub fn new(area: &str) -> HeldStorage {
        let stand_in = js_sys::Function::new_with_args("area", STAND_IN)
            .call1(&JsValue::NULL, &area.into())
            .expect("the stand-in");
        HeldStorage { stand_in }
    }

    fn call(&self, name: &str, args: &[JsValue]) -> JsValue {
        let function: js_sys::Function = js_sys::Reflect::get(&self.stand_in, &name.into())
            .expect(name)
            .unchecked_into();
        function
            .apply(&JsValue::NULL, &args.iter().collect())
            .expect(name)
    }

    pub fn api(&self) -> Rc<ExtensionApi> {
        Rc::new(
            js_sys::Reflect::get(&self.stand_in, &"api".into())
                .expect("api")
                .unchecked_into(),
        )
    }

    /// How many reads were asked for so far.
    pub fn reads(&self) -> f64 {
        self.call("reads", &[]).as_f64().expect("a count")
    }

    /// Answers read number `read` (from 0), with what storage held when it was asked.
    pub fn answer(&self, read: u32) {
        self.call("answer", &[read.into()]);
    }

    /// Stores `value` under `key` and tells every `onChanged` listener.
    pub fn write(&self, key: &str, value: JsValue) {
        self.call("write", &[key.into(), value]);
    }
}

/// Lets pending work (listeners, spawned futures) run.
pub async fn settle() {
    gloo_timers::future::TimeoutFuture::new(0).await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Runs `work` on its own; what it gives is in the cell once it is done.
pub fn spawned<T: 'static>(work: impl Future<Output = T> + 'static) -> Rc<RefCell<Option<T>>> {
    let done = Rc::new(RefCell::new(None));
    wasm_bindgen_futures::spawn_local({
        let done = Rc::clone(&done);
        async move {
            *done.borrow_mut() = Some(work.await);
        }
    });
    done
}
