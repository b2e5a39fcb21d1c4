// Injected only into a tab whose page just failed with an HTTP error: its value (the last
// expression) is the first 64 KB of the error page, for the core to tell which gateway wrote it.
document.documentElement ? document.documentElement.outerHTML.slice(0, 65536) : '';
