//! WCAG 2.2 AA checks on the rendered banner, computed by the browser.

use serde_json::json;

use crate::harness::{Engine, browser_on};
use crate::helpers::{Backend, spawn_app};

crate::on_every_engine!(
    banner_meets_wcag_aa_on_both_layers,
    axe_finds_no_wcag_violation_on_either_layer_on_desktop_and_mobile,
);

/// Contrast of every text element of the banner against its background,
/// the size of every control, and layout shifts, measured in the page.
const AUDIT: &str = r#"
const lum = (c) => {
  const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const background = (el) => {
  for (; el; el = el.parentElement) {
    const c = getComputedStyle(el).backgroundColor;
    if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
  }
  return 'rgb(255, 255, 255)';
};
const root = document.getElementById('nx-consent');
const visible = [...root.querySelectorAll('*')].filter((e) => e.offsetParent !== null);
const texts = visible.filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
const ratios = texts.map((e) => {
  const [a, b] = [lum(getComputedStyle(e).color), lum(background(e))];
  return { text: e.textContent.trim().slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
});
const small = visible.filter((e) => e.matches('button, input, a, summary')).map((e) => {
  const r = e.getBoundingClientRect();
  return { what: e.outerHTML.slice(0, 40), w: r.width, h: r.height, inline: e.tagName === 'A' };
}).filter((t) => !t.inline && (t.w < 24 || t.h < 24));
return {
  role: root.getAttribute('role'),
  modal: root.getAttribute('aria-modal'),
  label: document.getElementById(root.getAttribute('aria-labelledby'))?.textContent,
  lowContrast: ratios.filter((r) => r.ratio < 4.5),
  smallTargets: small,
  mainTop: document.querySelector('main').getBoundingClientRect().top,
  position: getComputedStyle(root).position,
};
"#;

async fn banner_meets_wcag_aa_on_both_layers(engine: Engine) {
    let Some(b) = browser_on(engine).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    b.open(&app.url("/examples/www/")).await;
    b.banner_shown().await;
    let first = b.js(AUDIT).await;
    assert_eq!(first["role"], "dialog");
    assert_eq!(first["modal"], "true");
    assert_eq!(
        first["label"], "Cookies op nexxtjourneys.com",
        "the dialog is labelled by its title"
    );
    assert_eq!(
        first["lowContrast"],
        json!([]),
        "text contrast at least 4.5:1"
    );
    assert_eq!(
        first["smallTargets"],
        json!([]),
        "targets at least 24x24 px"
    );
    assert_eq!(
        first["position"], "fixed",
        "an overlay: the page below does not move"
    );
    let shift = b
        .client
        .execute_async(
            // Observed until the banner's stylesheet has loaded and two
            // frames more have painted: a shift caused by late CSS counts.
            // What moved is returned too, so that a failure names it.
            "const done = arguments[0]; let sum = 0; const moved = []; \
             new PerformanceObserver((list) => list.getEntries().forEach((e) => { sum += e.value; \
               (e.sources || []).forEach((s) => moved.push((s.node ? (s.node.id || s.node.nodeName) : '?') + ' ' + \
                 JSON.stringify([s.previousRect.x, s.previousRect.y, s.previousRect.width, s.previousRect.height, \
                 s.currentRect.x, s.currentRect.y, s.currentRect.width, s.currentRect.height]) + ' at ' + e.startTime.toFixed(1) + ' ms')); })) \
               .observe({ type: 'layout-shift', buffered: true }); \
             const frames = () => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done([sum, moved]), 50))); \
             const wait = () => { const css = document.getElementById('nx-css'); \
               if (css && css.sheet) frames(); else setTimeout(wait, 10); }; \
             wait();",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        shift[0], 0.0,
        "no layout shift (buffered layout-shift entries); moved: {}",
        shift[1]
    );
    b.click("#nx-consent button[data-a=settings]").await;
    b.js("document.querySelectorAll('#nx-consent details').forEach((d) => d.open = true)")
        .await;
    let second = b.js(AUDIT).await;
    assert_eq!(second["lowContrast"], json!([]), "settings layer contrast");
    assert_eq!(second["smallTargets"], json!([]), "settings layer targets");
    let labels = b
        .js("return [...document.querySelectorAll('#nx-consent input')].map((i) => !!i.closest('label') && i.closest('label').textContent.trim().length > 0)")
        .await;
    assert_eq!(
        labels,
        json!([true, true, true, true, true]),
        "every one of the five switches has a label with text"
    );
    b.choose("reject").await;
    b.token().await;
    let after = b
        .js("return document.querySelector('main').getBoundingClientRect().top")
        .await;
    assert_eq!(
        after, first["mainTop"],
        "the page below did not move for the banner"
    );
}

/// axe-core's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA.
const AXE_RUN: &str = "const done = arguments[0]; \
  axe.run(document.getElementById('nx-consent'), {runOnly: {type: 'tag', values: \
    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}}) \
  .then((r) => done({passes: r.passes.length, violations: r.violations.map((v) => \
    ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' '))}))})) \
  .catch((e) => done({error: String(e)}));";

async fn axe_finds_no_wcag_violation_on_either_layer_on_desktop_and_mobile(engine: Engine) {
    if !crate::harness::npm_installed(&["axe-core/axe.min.js"]) {
        return;
    }
    let Some(b) = browser_on(engine).await else {
        return;
    };
    let axe =
        std::fs::read_to_string(crate::harness::npm_dir().join("axe-core/axe.min.js")).unwrap();
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    for (width, height, device) in [(1280, 800, "desktop"), (390, 844, "mobile")] {
        b.client.set_window_size(width, height).await.unwrap();
        b.open(&app.url("/examples/www/")).await;
        b.banner_shown().await;
        b.js(&format!("{axe}\n;return typeof axe")).await;
        for layer in ["first layer", "settings"] {
            if layer == "settings" {
                b.choose("settings").await;
                b.js("document.querySelectorAll('#nx-consent details').forEach((d) => d.open = true)")
                    .await;
            }
            let result = b.client.execute_async(AXE_RUN, vec![]).await.unwrap();
            assert_eq!(result["error"], serde_json::Value::Null, "{result}");
            assert!(
                result["passes"].as_u64().unwrap() > 5,
                "axe ran its rules on the {layer} ({device}): {result}"
            );
            assert_eq!(
                result["violations"],
                json!([]),
                "WCAG 2.2 A/AA on the {layer}, {device} ({width}×{height})"
            );
        }
    }
}
