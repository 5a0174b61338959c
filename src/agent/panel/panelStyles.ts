/** The panel's stylesheet: plain, high-contrast, visible focus, readable on a laptop screen. */
export const PANEL_CSS = `
:root { font: 16px/1.45 system-ui, sans-serif; color: #1b1f24; background: #f5f6f8; }
body { margin: 0; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .75rem 1.5rem; background: #1d3557; color: #fff; }
header h1 { font-size: 1.25rem; margin: 0; }
header .who { margin: 0; flex: 1; opacity: .9; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem; }
.sign-in { max-width: 24rem; margin-top: 4rem; }
.sign-in form { display: grid; gap: .5rem; }
.connection { font-size: .9rem; color: #52606d; }
.bridges { list-style: none; padding: 0; display: grid; gap: 1rem; }
.bridge { background: #fff; border: 1px solid #c9d1d9; border-radius: .5rem; padding: 1rem 1.25rem; }
.bridge h3 { margin: 0 0 .5rem; font-size: 1.05rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 .5rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.steps { margin: .25rem 0 .75rem; padding-left: 1.25rem; font-size: 1.05rem; }
.steps li { margin: .1rem 0; }
fieldset { border: 1px solid #c9d1d9; border-radius: .375rem; display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
label { display: inline-grid; gap: .2rem; font-weight: 600; }
input { font: inherit; padding: .3rem .45rem; border: 1px solid #8a96a3; border-radius: .25rem; }
button { font: inherit; padding: .4rem .9rem; border-radius: .3rem; border: 1px solid #1d3557; background: #1d3557; color: #fff; cursor: pointer; }
button.danger { background: #fff; color: #9b1c1c; border-color: #9b1c1c; }
header button { background: transparent; border-color: #fff; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
:focus-visible { outline: 3px solid #f4a261; outline-offset: 2px; }
.error { color: #9b1c1c; font-weight: 600; }
.chat-link { margin-bottom: 1rem; }
.links { list-style: none; padding: 0; display: grid; gap: .75rem; }
.link { background: #fff; border: 1px solid #c9d1d9; border-radius: .5rem; padding: .75rem 1.25rem; }
.link h3 { margin: 0 0 .5rem; font-size: 1.05rem; }
.link-url { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }
.link-status { font-weight: 600; margin: .5rem 0 0; }
.link.final .link-status { color: #1d3557; }
.link.failed .link-status { color: #9b1c1c; }
[hidden] { display: none !important; }
`;
