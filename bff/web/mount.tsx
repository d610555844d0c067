import { type ComponentType, render } from 'preact';

/** Every page module ends with `mount(Page)`: the page replaces the HTML's loading placeholder. */
export function mount(Page: ComponentType) {
  const root = document.getElementById('app');
  if (root === null) throw new Error('the page has no #app element');
  root.textContent = '';
  render(<Page />, root);
}
