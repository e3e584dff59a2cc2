// Text that goes into messages.

/** text cut to at most max characters, saying how much was left out (messages must stay readable). */
export function clipText(text: string, max: number): string {
  const shown = printable(text.length <= max ? text : text.slice(0, max));
  return text.length <= max ? shown : `${shown}… (${(text.length - max).toLocaleString('en-US')} more characters)`;
}

/** Control characters written as \xNN, so binary garbage cannot reach a terminal raw. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Words of text in lines of at most width characters (a longer word gets a line of its own); later lines start with indent. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line.length > 0 && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push((lines.length === 0 ? '' : indent) + line);
  return lines;
}
