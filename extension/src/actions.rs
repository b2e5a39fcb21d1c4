//! The popup's one-click fixes. Each returns what it did, or why it could not, in the visitor's
//! words; nothing here decides which fix to offer (that is `gateway_doctor::view::steps`).

use super::api::{message, object, ExtensionApi};
use super::dom::copy_text;
use super::net::describe_error;
use gateway_doctor::checks::providers::Provider;
use gateway_doctor::platform::{Browser, Os, Platform};
use gateway_doctor::view::steps::{archive_url, ActionId};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// What an action needs to know about the tab and the visitor.
#[derive(Clone)]
pub struct ActionContext {
    pub tab_id: i64,
    pub url: String,
    pub host: String,
    pub platform: Platform,
    pub provider: Option<Provider>,
    /// The step's DNS command or private-window shortcut, when it has one.
    pub command: Option<String>,
    pub shortcut: Option<String>,
    /// The connectivity address: opened in a tab, a network's sign-in page takes it over.
    pub sign_in_url: Option<String>,
    /// The page the step names (a status page).
    pub link: Option<String>,
}

/// What must be done or read synchronously within the visitor's click.
pub struct Click {
    /// The answer to the permission prompt the action needs (`browsingData`), asked within the
    /// click: browsers only show the prompt during a user gesture.
    permission: Option<js_sys::Promise>,
    /// The report's "include the part after ?" box, ticked.
    include_query: bool,
}

impl Click {
    pub fn now(api: &ExtensionApi, doc: &web_sys::Document, action: ActionId) -> Click {
        let permission = match action {
            ActionId::ClearSiteData => super::api::request_permission(api, "browsingData"),
            _ => None,
        };
        let include_query = doc
            .get_element_by_id("report-include-query")
            .and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(b).ok())
            .is_some_and(|b| b.checked());
        Click {
            permission,
            include_query,
        }
    }
}

/// Carries out `action`; the text says what happened (success or not).
pub async fn perform(
    api: &ExtensionApi,
    action: ActionId,
    context: &ActionContext,
    click: Click,
) -> String {
    let say = |key: &str, args: &[String]| message(api, key, args);
    match action {
        ActionId::RetryNow => {
            match JsFuture::from(
                api.tabs()
                    .reload(context.tab_id as f64, &JsValue::UNDEFINED),
            )
            .await
            {
                Ok(_) => say("actionReloaded", &[]),
                Err(error) => say("actionFailed", &[describe_error(&error, 0)]),
            }
        }
        ActionId::ClearSiteData => {
            let granted = match click.permission {
                Some(answer) => JsFuture::from(answer)
                    .await
                    .is_ok_and(|yes| yes.as_bool() == Some(true)),
                None => false,
            };
            let android = is_firefox_android(context.platform);
            if !granted {
                // Firefox for Android may not offer the permission at all: say how by hand.
                return if android {
                    say("actionClearByHandAndroid", &[])
                } else {
                    say("actionPermissionRefused", &[])
                };
            }
            // The API appears once the permission is granted: a fresh handle sees it.
            match super::api::extension_api() {
                Ok(api) => clear_site_data(&api, context).await,
                Err(_) if android => say("actionClearByHandAndroid", &[]),
                Err(_) => say("actionUnavailable", &[]),
            }
        }
        ActionId::OpenPrivateWindow => open_private_window(api, context).await,
        ActionId::CopyDnsCommand => match &context.command {
            Some(command) => match copy_text(command).await {
                Ok(()) => say("actionCopied", std::slice::from_ref(command)),
                Err(error) => say("actionFailed", &[error]),
            },
            None => say("actionNoCommand", &[]),
        },
        // Runs through the checks block's own button (it needs the permission prompt).
        ActionId::CheckProxy => say("actionSeeProxyLine", &[]),
        ActionId::OpenArchive => {
            open_tab(api, &archive_url(&context.url, click.include_query)).await
        }
        ActionId::OpenCheckerPage => match &context.provider {
            Some(provider) => open_tab(api, &provider.page_url(&context.host)).await,
            None => say("actionNoChecker", &[]),
        },
        ActionId::OpenSignInPage => match &context.sign_in_url {
            Some(url) => open_tab(api, url).await,
            None => say("actionUnavailable", &[]),
        },
        ActionId::OpenStatusPage => match &context.link {
            Some(url) => open_tab(api, url).await,
            None => say("actionUnavailable", &[]),
        },
    }
}

async fn open_tab(api: &ExtensionApi, url: &str) -> String {
    let opened = match object(&[("url", url.into())]) {
        Ok(properties) => JsFuture::from(api.tabs().create(&properties)).await,
        Err(error) => Err(error),
    };
    match opened {
        Ok(_) => message(api, "actionOpened", &[url.to_string()]),
        Err(error) => message(api, "actionFailed", &[describe_error(&error, 0)]),
    }
}

/// Clears this site's cookies and storage, and its cache where the browser can scope that.
/// Chromium scopes everything to the origin (cookies to the whole registrable domain); Firefox
/// scopes cookies and storage to the host but can only empty the whole cache, so it is left.
async fn clear_site_data(api: &ExtensionApi, context: &ActionContext) -> String {
    let android = is_firefox_android(context.platform);
    let Some(browsing_data) = api.browsing_data() else {
        // Not in Firefox for Android: the visitor can still do it from the browser's menus.
        let key = if android {
            "actionClearByHandAndroid"
        } else {
            "actionUnavailable"
        };
        return message(api, key, &[]);
    };
    let is_firefox = context.platform.browser == Browser::Firefox;
    let origin = gateway_doctor::retry::origin_of(&context.url).unwrap_or_default();
    let result = async {
        let scope = if is_firefox {
            let hosts: js_sys::Array = std::iter::once(JsValue::from_str(&context.host)).collect();
            object(&[("hostnames", hosts.into())])?
        } else {
            // Chromium wants the origin without a default port.
            let origin = origin
                .strip_suffix(":80")
                .filter(|_| origin.starts_with("http://"))
                .or_else(|| {
                    origin
                        .strip_suffix(":443")
                        .filter(|_| origin.starts_with("https://"))
                })
                .unwrap_or(&origin)
                .to_string();
            let origins: js_sys::Array = std::iter::once(JsValue::from_str(&origin)).collect();
            object(&[("origins", origins.into())])?
        };
        let mut kinds = vec![
            ("cookies", JsValue::TRUE),
            ("localStorage", JsValue::TRUE),
            ("indexedDB", JsValue::TRUE),
            ("serviceWorkers", JsValue::TRUE),
        ];
        if !is_firefox {
            kinds.push(("cache", JsValue::TRUE));
            kinds.push(("cacheStorage", JsValue::TRUE));
        }
        let what = object(&kinds)?;
        JsFuture::from(browsing_data.remove(&scope, &what)).await
    }
    .await;
    match result {
        Ok(_) if is_firefox && android => message(
            api,
            "actionClearedFirefoxAndroid",
            std::slice::from_ref(&context.host),
        ),
        Ok(_) if is_firefox => message(
            api,
            "actionClearedFirefox",
            std::slice::from_ref(&context.host),
        ),
        Ok(_) => message(api, "actionCleared", std::slice::from_ref(&context.host)),
        Err(_) if android => message(api, "actionClearByHandAndroid", &[]),
        Err(error) => message(api, "actionFailed", &[describe_error(&error, 0)]),
    }
}

/// Opens the page in a private window. Firefox refuses unless the visitor allowed the extension
/// in private windows; Chromium opens nothing (and says null) unless allowed in incognito.
async fn open_private_window(api: &ExtensionApi, context: &ActionContext) -> String {
    // Firefox for Android has no windows, and no extension may open a private tab there.
    if is_firefox_android(context.platform) {
        return message(api, "actionPrivateFallbackAndroid", &[]);
    }
    let fallback = || match &context.shortcut {
        Some(shortcut) => message(api, "actionPrivateFallback", std::slice::from_ref(shortcut)),
        None => message(api, "actionPrivateFallbackNoShortcut", &[]),
    };
    let Some(windows) = api.windows() else {
        return fallback();
    };
    let created = match object(&[
        ("url", context.url.as_str().into()),
        ("incognito", JsValue::TRUE),
    ]) {
        Ok(data) => JsFuture::from(windows.create(&data)).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(window) if window.is_object() => message(api, "actionPrivateOpened", &[]),
        _ => fallback(),
    }
}

/// Firefox for Android: no windows, no private tabs for extensions, and perhaps no
/// `browsingData`; its steps say how to do these by hand.
fn is_firefox_android(platform: Platform) -> bool {
    platform.os == Os::Android && platform.browser == Browser::Firefox
}
