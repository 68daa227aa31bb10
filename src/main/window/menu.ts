/**
 * The native menu: File / Edit / View / Window / Help with the platform roles. The only link out goes
 * through `isSafeExternalUrl`.
 */
import { Menu, app, shell, type MenuItemConstructorOptions } from 'electron';
import { isSafeExternalUrl } from '../security/externalUrl';

export const DOCUMENTATION_URL = 'https://github.com/wasserstein-workbench/wasserstein-workbench#readme';

export function openExternalSafely(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url);
  else console.warn(`[workbench] refused to open ${url.slice(0, 200)}`);
}

export function buildAppMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Documentation', click: () => openExternalSafely(DOCUMENTATION_URL) },
        ...(isMac ? [] : [{ role: 'about' as const }]),
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
