/**
 * "Ada <ada@example.com>", "ada@example.com" or "Ada, ada@example.com", one per line (or
 * separated by semicolons): the recipients of a pitch. The API checks each address.
 */
export function parseRecipients(text: string): Array<{ email: string; name?: string }> {
  return text
    .split(/[\n;]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const angled = /^(.*?)\s*<([^>]*)>$/.exec(line);
      const comma = /^(.*?),\s*(\S+@\S+)$/.exec(line);
      const [name, email] = angled ? [angled[1], angled[2]] : comma ? [comma[1], comma[2]] : ['', line];
      const cleanName = (name ?? '').trim().replace(/^"|"$/g, '');
      return { email: (email ?? '').trim(), ...(cleanName === '' ? {} : { name: cleanName }) };
    });
}
