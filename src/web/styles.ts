// The status page's stylesheet (inline: one request, no client JavaScript).

export const STYLES = `
:root{--bg:#f7f7f8;--card:#fff;--text:#1c2024;--muted:#60646c;--line:#e0e1e6;--up:#30a46c;--degraded:#f5a524;--down:#e5484d;--unknown:#8b8d98;--paused:#3e63dd;--none:#e0e1e6}
@media (prefers-color-scheme:dark){:root{--bg:#111113;--card:#18191b;--text:#edeef0;--muted:#b0b4ba;--line:#2e3135;--none:#2e3135}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:860px;margin:0 auto;padding:32px 16px 48px}h1{font-size:26px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px}
.muted{color:var(--muted)}a{color:inherit}
.banner{display:flex;align-items:center;gap:10px;margin:20px 0;padding:16px 18px;border-radius:10px;font-weight:600;color:#fff;background:var(--unknown)}
.banner.up{background:var(--up)}.banner.degraded{background:var(--degraded)}.banner.down{background:var(--down)}
.banner .dot.dot{background:#fff}
ul{list-style:none;margin:0;padding:0}
.checks{background:var(--card);border:1px solid var(--line);border-radius:10px}
.check{padding:14px 16px;border-top:1px solid var(--line)}.check:first-child{border-top:0}
.check-head{display:flex;align-items:center;gap:10px}.check-name{font-weight:600;flex:1;overflow-wrap:anywhere}
.dot{width:10px;height:10px;border-radius:50%;display:inline-block;flex:none;background:var(--unknown)}
.dot.up{background:var(--up)}.dot.degraded{background:var(--degraded)}.dot.down{background:var(--down)}
.pill{font-size:12px;font-weight:600;padding:2px 8px;border-radius:999px;border:1px solid currentColor}
.pill.up{color:var(--up)}.pill.degraded{color:var(--degraded)}.pill.down{color:var(--down)}.pill.unknown{color:var(--unknown)}
.facts{display:flex;flex-wrap:wrap;gap:4px 24px;margin:6px 0 0 20px;font-size:13px}.facts div{display:flex;gap:6px}.facts dt{color:var(--muted)}.facts dd{margin:0}
.message{margin:6px 0 0 20px;font-size:13px;color:var(--muted);overflow-wrap:anywhere}
.note{margin:6px 0 0 20px;font-size:13px;font-weight:600}
.dot.paused{background:var(--paused)}.pill.paused{color:var(--paused)}.bar.paused{background:var(--paused)}
.maintenance{border-left-color:var(--paused)}.maintenance.upcoming{border-left-style:dashed}
.checklist{padding:12px 16px;border-top:1px solid var(--line);border-left:4px solid var(--none)}.checklist:first-child{border-top:0}
.checklist.up{border-left-color:var(--up)}.checklist.degraded{border-left-color:var(--degraded)}
.items{margin:6px 0 0 0;font-size:13px}.items li{margin:2px 0}
.slo{margin:6px 0 0 20px;font-size:13px;padding-left:8px;border-left:3px solid var(--none)}
.slo.up{border-left-color:var(--up)}.slo.degraded{border-left-color:var(--degraded)}.slo.down{border-left-color:var(--down)}
.bars{display:flex;gap:2px;height:22px;margin:10px 0 0 20px}.bar{flex:1;border-radius:2px;background:var(--none)}
.bar.up{background:var(--up)}.bar.degraded{background:var(--degraded)}.bar.down{background:var(--down)}.bar.unknown{background:var(--unknown)}
.incidents{background:var(--card);border:1px solid var(--line);border-radius:10px}
.incident{padding:12px 16px;border-top:1px solid var(--line);border-left:4px solid var(--down)}.incident:first-child{border-top:0}
.incident.degraded{border-left-color:var(--degraded)}.incident.resolved{border-left-color:var(--up)}
.incident .message{margin-left:0}
footer{display:flex;flex-wrap:wrap;gap:16px;margin-top:32px;font-size:13px}
`;
