export { CONSOLE_CSP, consoleAssetsDir, consoleRouter } from './routes';
