/**
 * The log file a user can send: electron-log writes the main process's console and the page's console
 * messages (warnings and errors, via `console-message`) to `<userData>/logs/main.log` (rotated at
 * 1 MB). Help → Show Log File opens it.
 */
import log from 'electron-log/main';
import type { WebContents } from 'electron';

let started = false;

export function startLogging(): void {
  if (started) return;
  started = true;
  log.transports.file.level = 'info';
  log.transports.file.maxSize = 1024 * 1024;
  log.transports.console.level = 'warn';
  // console.* of the main process goes to the file too
  Object.assign(console, log.functions);
  log.errorHandler.startCatching({ showDialog: false });
  log.info(`[workbench] start ${process.versions.electron ? `electron ${process.versions.electron}` : ''} node ${process.versions.node} on ${process.platform}`);
}

/** Copy the page's warnings and errors into the log file. */
export function logRendererConsole(contents: WebContents): void {
  contents.on('console-message', (event) => {
    const { level, message, sourceId, lineNumber } = event;
    if (level === 'warning') log.warn(`[renderer] ${message} (${sourceId}:${lineNumber})`);
    else if (level === 'error') log.error(`[renderer] ${message} (${sourceId}:${lineNumber})`);
  });
}

export function logFilePath(): string {
  return log.transports.file.getFile().path;
}
