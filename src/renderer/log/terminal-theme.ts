// Terminal colours per app theme; xterm needs concrete values, not CSS variables.
import type { ITheme } from '@xterm/xterm';

const dark: ITheme = {
  background: '#0f1115',
  foreground: '#d5d9e0',
  cursor: '#d5d9e0',
  cursorAccent: '#0f1115',
  selectionBackground: '#3a4a66',
  scrollbarSliderBackground: 'rgba(255,255,255,0.14)',
  scrollbarSliderHoverBackground: 'rgba(255,255,255,0.24)',
  scrollbarSliderActiveBackground: 'rgba(255,255,255,0.32)',
  black: '#1c1f26',
  red: '#f07178',
  green: '#9ece6a',
  yellow: '#e6c07b',
  blue: '#7aa2f7',
  magenta: '#c792ea',
  cyan: '#7dcfff',
  white: '#c8ccd4',
  brightBlack: '#5c6370',
  brightRed: '#ff8b92',
  brightGreen: '#b5e48c',
  brightYellow: '#ffd68a',
  brightBlue: '#9ab8ff',
  brightMagenta: '#ddb0ff',
  brightCyan: '#a6e3ff',
  brightWhite: '#f2f4f8',
};

const light: ITheme = {
  background: '#fbfbfc',
  foreground: '#1f2328',
  cursor: '#1f2328',
  cursorAccent: '#fbfbfc',
  selectionBackground: '#b6d3ff',
  scrollbarSliderBackground: 'rgba(0,0,0,0.14)',
  scrollbarSliderHoverBackground: 'rgba(0,0,0,0.24)',
  scrollbarSliderActiveBackground: 'rgba(0,0,0,0.32)',
  black: '#24292f',
  red: '#c62828',
  green: '#1a7f37',
  yellow: '#9a6700',
  blue: '#0b5cd5',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#d73a49',
  brightGreen: '#22863a',
  brightYellow: '#b08800',
  brightBlue: '#2f6fde',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};

export const terminalTheme = (theme: 'light' | 'dark'): ITheme => (theme === 'dark' ? dark : light);

/** Search highlights; the addon wants #RRGGBB. */
export const searchDecorations = (theme: 'light' | 'dark') =>
  theme === 'dark'
    ? { matchBackground: '#4a3f1a', activeMatchBackground: '#b58900', matchOverviewRuler: '#b58900', activeMatchColorOverviewRuler: '#ffd000' }
    : { matchBackground: '#fff2b3', activeMatchBackground: '#ffb000', matchOverviewRuler: '#d4a000', activeMatchColorOverviewRuler: '#ff8c00' };
