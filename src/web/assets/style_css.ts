/** The stylesheet of every page: dense tables, light and dark by system preference. */
export const STYLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --panel: #ffffff; --text: #1b1f24; --muted: #5d6673; --line: #dde1e6;
  --head: #f0f2f5; --accent: #1f5fbf; --accent-bg: #e6eefb; --hover: #f2f6fd; --sel: #dce8fb;
  --ok: #17663a; --ok-bg: #dcf3e4; --bad: #a4161a; --bad-bg: #fbe0e0; --run: #0b5cad;
  --run-bg: #dceaf9; --warn: #8a5300; --warn-bg: #fdf0d5; --idle: #4a5260; --idle-bg: #e9ecf0;
  --field: #ffffff; --field-line: #b8c0ca;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --shadow: 0 1px 2px rgba(16, 24, 40, .06);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1216; --panel: #171b21; --text: #e3e7ec; --muted: #9aa4b1; --line: #2a313a;
    --head: #1d232b; --accent: #7fb0ff; --accent-bg: #1c2a40; --hover: #1c2430; --sel: #233552;
    --ok: #6fdc9a; --ok-bg: #173524; --bad: #ff8a8a; --bad-bg: #421b1d; --run: #8cc4ff;
    --run-bg: #17304b; --warn: #ffc766; --warn-bg: #3d2d0e; --idle: #b8c0cc; --idle-bg: #262d36;
    --field: #0f1216; --field-line: #3d4651;
    --shadow: none;
  }
}
* { box-sizing: border-box; }
html { font-size: 14px; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 1rem/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: var(--mono); font-size: .92em; }
.topbar {
  display: flex; align-items: center; gap: 1.5rem; padding: 0 1.25rem; height: 3.2rem;
  background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0;
  z-index: 5;
}
.brand { font-weight: 700; font-size: 1.15rem; color: var(--text); display: flex; gap: .5rem;
  align-items: center; }
.brand:hover { text-decoration: none; }
.brand svg { width: 1.5rem; height: 1.5rem; }
.nav { display: flex; gap: .25rem; }
.nav a { color: var(--muted); padding: .35rem .7rem; border-radius: .4rem; }
.nav a:hover { background: var(--hover); text-decoration: none; color: var(--text); }
.nav a[aria-current="page"] { background: var(--accent-bg); color: var(--accent);
  font-weight: 600; }
.spacer { flex: 1; }
.live { font-size: .85rem; color: var(--muted); display: flex; align-items: center; gap: .4rem; }
.live::before { content: ""; width: .55rem; height: .55rem; border-radius: 50%;
  background: var(--idle); }
.live[data-live="on"]::before { background: var(--ok); }
.live[data-live="lost"]::before { background: var(--bad); }
main { padding: 1.25rem; max-width: 1600px; margin: 0 auto; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; word-break: break-all; }
h2 { font-size: 1rem; margin: 1.4rem 0 .6rem; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: .75rem; font-weight: 700;
  color: var(--muted); margin: 0 0 .25rem; }
.pagehead { display: flex; align-items: flex-end; gap: 1rem; flex-wrap: wrap;
  margin-bottom: 1rem; }
.pagehead .spacer { min-width: 1rem; }
.muted { color: var(--muted); }
.banner { padding: .6rem 1.25rem; background: var(--bad-bg); color: var(--bad);
  border-bottom: 1px solid var(--line); font-weight: 600; }
.notice { padding: .6rem .9rem; border-radius: .45rem; background: var(--warn-bg);
  color: var(--warn); margin: 0 0 1rem; }
.search-error { display: flex; flex-direction: column; gap: .3rem; padding: .6rem .9rem;
  background: var(--bad-bg); color: var(--bad); border-bottom: 1px solid var(--line); }
.search-error code { white-space: pre-wrap; overflow-wrap: anywhere; color: var(--text); }
.search-error mark { background: var(--bad); color: var(--bad-bg); border-radius: .15rem; }
input[aria-invalid=true] { border-color: var(--bad); outline-color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: .75rem; margin-bottom: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem;
  padding: .7rem .9rem; box-shadow: var(--shadow); border-left-width: 4px; }
.card .label { color: var(--muted); font-size: .8rem; font-weight: 600; }
.card .value { font-size: 1.7rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card.ok { border-left-color: var(--ok); } .card.bad { border-left-color: var(--bad); }
.card.run { border-left-color: var(--run); } .card.idle { border-left-color: var(--idle); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem;
  box-shadow: var(--shadow); overflow: hidden; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: .38rem .65rem; text-align: left; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--head); font-size: .75rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); white-space: nowrap; font-weight: 700; }
th a { color: inherit; }
th a[aria-sort]::after, th[aria-sort] > a::after { content: " \\25B2"; }
th a[aria-sort="descending"]::after, th[aria-sort="descending"] > a::after {
  content: " \\25BC"; }
th[aria-sort] > a, th a[aria-sort] { color: var(--text); }
tr:has(form) > td { vertical-align: middle; }
tbody tr:hover { background: var(--hover); }
tbody tr[aria-selected="true"] { background: var(--sel); outline: 2px solid var(--accent);
  outline-offset: -2px; }
tbody tr.offline td { color: var(--muted); }
tbody tr.offline td a { color: var(--muted); }
tfoot td { font-weight: 700; background: var(--head); }
td.num, th.num { text-align: right; }
td.clip { max-width: 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.id { font-family: var(--mono); font-size: .85rem; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.empty { padding: .8rem; text-align: center; color: var(--muted); margin: 0; }
.idlist { margin: 0; padding: .6rem .8rem; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
.who { display: flex; align-items: center; gap: .6rem; font-size: .9rem; }
.who .button { padding: .2rem .6rem; }
.badge { display: inline-flex; align-items: center; gap: .3rem; padding: .05rem .45rem;
  border-radius: .3rem; font-size: .75rem; font-weight: 700; letter-spacing: .03em;
  border: 1px solid transparent; white-space: nowrap; }
.badge::before { font-weight: 400; }
.s-SUCCESS { background: var(--ok-bg); color: var(--ok); }
.s-SUCCESS::before { content: "\\2713"; }
.s-FAILURE { background: var(--bad-bg); color: var(--bad); border-color: var(--bad); }
.s-FAILURE::before { content: "\\2715"; }
.s-STARTED { background: var(--run-bg); color: var(--run); }
.s-STARTED::before { content: "\\25B6"; }
.s-RETRY { background: var(--warn-bg); color: var(--warn); border-style: dashed;
  border-color: var(--warn); }
.s-RETRY::before { content: "\\21BB"; }
.s-REVOKED, .s-REJECTED { background: var(--idle-bg); color: var(--idle);
  text-decoration: line-through; }
.s-REVOKED::before, .s-REJECTED::before { content: "\\2298"; }
.s-RECEIVED, .s-PENDING, .s-other { background: transparent; color: var(--idle);
  border-color: var(--line); }
.s-RECEIVED::before { content: "\\25CB"; } .s-PENDING::before { content: "\\2026"; }
.s-online { background: var(--ok-bg); color: var(--ok); }
.s-online::before { content: "\\25CF"; }
.s-offline { background: var(--idle-bg); color: var(--idle); }
.s-offline::before { content: "\\25CB"; }
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .6rem;
  border-bottom: 1px solid var(--line); }
.toolbar.bare { border: 0; padding: 0; margin-bottom: .75rem; }
.chips { display: flex; flex-wrap: wrap; gap: .3rem; margin-bottom: .75rem; }
.chip { padding: .2rem .7rem; border-radius: 1rem; border: 1px solid var(--line);
  background: var(--panel); color: var(--muted); font-weight: 600; font-size: .85rem; }
.chip:hover { text-decoration: none; background: var(--hover); }
.chip[aria-current="true"] { background: var(--accent-bg); color: var(--accent);
  border-color: var(--accent); }
input, select, button, textarea { font: inherit; color: var(--text); }
input[type="search"], input[type="text"], input[type="number"], input[type="datetime-local"],
select, textarea {
  background: var(--field); border: 1px solid var(--field-line); border-radius: .35rem;
  padding: .3rem .5rem; min-width: 0;
}
::placeholder { color: var(--muted); opacity: 1; }
input[type="search"] { flex: 1 1 16rem; }
input:focus, select:focus, button:focus, a:focus-visible, textarea:focus {
  outline: 2px solid var(--accent); outline-offset: 1px; }
button, .button {
  background: var(--panel); border: 1px solid var(--line); border-radius: .35rem;
  padding: .3rem .75rem; cursor: pointer; font-weight: 600; color: var(--text);
  display: inline-block;
}
button:hover, .button:hover { background: var(--hover); text-decoration: none; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--panel); }
button.danger { color: var(--bad); border-color: var(--bad); }
button.danger:hover { background: var(--bad-bg); }
details.menu { position: relative; }
details.menu > summary { list-style: none; cursor: pointer; }
details.menu > summary::-webkit-details-marker { display: none; }
details.menu > .menu-body { position: absolute; right: 0; z-index: 4; background: var(--panel);
  border: 1px solid var(--line); border-radius: .4rem; padding: .6rem; box-shadow: 0 6px 18px
  rgba(0, 0, 0, .15); min-width: 14rem; }
.columns { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .15rem .8rem; }
.columns label { white-space: nowrap; font-size: .9rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.filters label { font-size: .8rem; color: var(--muted); display: flex; gap: .3rem;
  align-items: center; }
.filters label > select, .filters label > input { font-size: .9rem; color: var(--text); }
.filters select { max-width: 12rem; }
.filters input[type="datetime-local"] { width: 12rem; }
form.action { display: flex; gap: .35rem; flex-wrap: wrap; align-items: center; margin: 0; }
label.field { display: flex; flex-direction: column; gap: .15rem; font-size: .75rem;
  font-weight: 600; color: var(--muted); }
label.field input { font-size: 1rem; font-weight: 400; width: 7rem; }
.actions form.action { align-items: flex-end; }
.pager { display: flex; gap: .4rem; align-items: center; padding: .55rem .7rem;
  flex-wrap: wrap; }
.pager .info { color: var(--muted); margin-right: auto; }
.pager a, .pager span.current { padding: .15rem .55rem; border-radius: .3rem;
  border: 1px solid var(--line); }
.pager span.current { background: var(--accent-bg); color: var(--accent); font-weight: 700; }
.pager span.disabled { color: var(--muted); padding: .15rem .55rem; }
.fresh { display: none; margin: 0 0 .6rem; }
.fresh.shown { display: block; }
.fields { display: grid; grid-template-columns: fit-content(22rem) minmax(0, 1fr); margin: 0; }
.fields > dt { min-width: 8rem; overflow-wrap: anywhere; }
.fields > dt, .fields > dd { padding: .45rem .8rem; border-bottom: 1px solid var(--line);
  margin: 0; }
.fields > dt { color: var(--muted); font-weight: 600; font-size: .85rem; background: var(--head); }
.fields > dd { min-width: 0; overflow-wrap: anywhere; }
.fields .null { color: var(--muted); }
pre.value { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg);
  border: 1px solid var(--line); border-radius: .35rem; padding: .4rem .55rem; max-height: 28rem;
  overflow: auto; }
details.fold > summary { cursor: pointer; color: var(--muted); margin-bottom: .3rem; }
.grid2 { display: grid; grid-template-columns: minmax(0, 2fr) minmax(16rem, 1fr); gap: 1rem;
  align-items: start; }
.actions { padding: .8rem; display: flex; flex-direction: column; gap: .6rem; }
.actions form { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }
.actions h3, .panel > h3 { margin: 0; font-size: .8rem; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
.panel > h3 { padding: .6rem .8rem; border-bottom: 1px solid var(--line); background: var(--head); }
.toast { position: fixed; right: 1rem; bottom: 1rem; max-width: 28rem; padding: .7rem 1rem;
  border-radius: .45rem; background: var(--panel); border: 1px solid var(--line);
  box-shadow: 0 6px 18px rgba(0, 0, 0, .18); z-index: 10; }
.toast.bad { border-color: var(--bad); color: var(--bad); }
.tabs { display: flex; gap: .2rem; border-bottom: 1px solid var(--line); margin-bottom: 1rem;
  flex-wrap: wrap; }
.tabs a { padding: .45rem .8rem; color: var(--muted); border: 1px solid transparent;
  border-bottom: 0; border-radius: .4rem .4rem 0 0; font-weight: 600; }
.tabs a[aria-current="page"] { background: var(--panel); border-color: var(--line);
  color: var(--accent); margin-bottom: -1px; }
.timeline { padding: .8rem; }
.timeline svg { width: 100%; height: 2.2rem; display: block; }
.timeline .seg-wait { fill: color-mix(in srgb, var(--idle) 40%, transparent); }
.timeline .seg-queue { fill: color-mix(in srgb, var(--warn) 45%, transparent); }
.timeline .seg-run { fill: color-mix(in srgb, var(--run) 55%, transparent); }
.timeline .seg-ok { fill: var(--ok); } .timeline .seg-bad { fill: var(--bad); }
.steps { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem;
  margin-top: .6rem; }
.steps div { font-size: .85rem; }
.steps b { display: block; font-size: .75rem; color: var(--muted); text-transform: uppercase; }
ul.tree { list-style: none; margin: 0; padding: .6rem .8rem; }
ul.tree ul { list-style: none; margin: 0; padding-left: 1.2rem; border-left: 1px dashed var(--line); }
ul.tree li { padding: .15rem 0; }
ul.tree li.current > .node { font-weight: 700; }
.error-page { max-width: 40rem; margin: 3rem auto; text-align: center; }
.error-page .code { font-size: 3rem; font-weight: 800; color: var(--muted); }
.panel + .panel { margin-top: 1rem; }
.swatch { display: inline-block; width: .7rem; height: .7rem; border-radius: .15rem;
  margin-right: .3rem; vertical-align: -.05rem; }
.swatch.seg-wait { background: color-mix(in srgb, var(--idle) 40%, transparent); }
.swatch.seg-queue { background: color-mix(in srgb, var(--warn) 45%, transparent); }
.swatch.seg-run { background: color-mix(in srgb, var(--run) 55%, transparent); }
@media (max-width: 1500px) {
  table.fit .col-args, table.fit .col-kwargs, table.fit .col-started { display: none; }
  table.fit td.clip { max-width: 16rem; }
}
@media (max-width: 720px) {
  .topbar { gap: .6rem; padding: 0 .6rem; }
  .brand span { display: none; }
  main { padding: .6rem; }
  .grid2 { grid-template-columns: 1fr; }
  .fields { grid-template-columns: 1fr; }
  .fields > dt { border-bottom: 0; padding-bottom: .1rem; }
  .hide-narrow { display: none; }
  .who .button { padding: .15rem .4rem; }
  td.clip { max-width: 12rem; }
}
`;
