// esbuild bundles imported stylesheets into dist/webview/dashboard.css.
declare module '*.css';
