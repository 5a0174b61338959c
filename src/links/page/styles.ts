/** The payment page's stylesheet, served from our own origin (style-src 'self'). */
export const PAY_PAGE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;background:#eef1f5;color:#1c2430;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;display:flex;justify-content:center;align-items:flex-start;padding:16px}
.card{width:100%;max-width:30rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06);padding:20px}
@media (min-width:720px){body{padding:48px 16px}.card{padding:32px}}
h1{font-size:1.35rem;margin:.75rem 0}
.eyebrow{margin:0;color:#4a5566;font-size:.95rem}
.amount{margin:.15rem 0 .25rem;font-size:2rem;font-weight:700;letter-spacing:-.01em}
.description{margin:0 0 1rem;color:#2d3746}
.label{color:#4a5566}
form{margin:0}
.field{margin:0 0 .9rem;position:relative}
.row{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.field-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;column-gap:12px;margin-bottom:.25rem}
label{display:block;font-weight:600}
input[type=text]{width:100%;font:inherit;font-size:1.1rem;padding:.65rem .75rem;border:1px solid #9aa4b2;border-radius:8px;background:#fff;color:inherit;letter-spacing:.03em}
input[type=text]:focus{outline:3px solid #8db4ff;outline-offset:1px;border-color:#2f6fde}
.invalid input[type=text],input[aria-invalid=true]{border-color:#c62828;background:#fff8f8}
.hint{margin:.2rem 0 0;font-size:.85rem;color:#5a6677}
.error{margin:.2rem 0 0;font-size:.9rem;color:#b71c1c;font-weight:600;min-height:0}
.error:empty{display:none}
.brand{font-size:.85rem;font-weight:700;color:#2f6fde}
.check{font-size:.9rem;color:#4a5566;margin:.25rem 0 .75rem}
button{width:100%;font:inherit;font-size:1.1rem;font-weight:700;padding:.8rem 1rem;border:0;border-radius:8px;background:#1f5fcc;color:#fff;cursor:pointer}
button:hover{background:#184fae}
button:focus{outline:3px solid #8db4ff;outline-offset:2px}
button[disabled]{background:#7f96bf;cursor:progress}
.alert{border-radius:8px;padding:.75rem .9rem;margin:0 0 1rem;background:#fdecea;color:#8a1c1c;border:1px solid #f5c2c0}
.alert-final{background:#fff4e5;color:#7a4100;border-color:#ffd8a8}
.note{font-size:.85rem;color:#5a6677;margin:.9rem 0 0}
.success{color:#1b7a3a;font-size:1.6rem}
.receipt{margin:0;border-top:1px solid #e3e7ee}
.receipt div{display:flex;justify-content:space-between;gap:12px;padding:.55rem 0;border-bottom:1px solid #e3e7ee}
.receipt dt{color:#4a5566}
.receipt dd{margin:0;font-weight:600;text-align:right;word-break:break-word}
`;
