// The dashboard's only script: local times, copy buttons, keyboard navigation, self-refresh.
(() => {
  const localize = (root) => {
    for (const node of root.querySelectorAll('time[datetime]')) {
      const date = new Date(node.getAttribute('datetime'));
      if (!Number.isNaN(date.getTime())) node.textContent = date.toLocaleString();
    }
  };

  const copy = async (button) => {
    const text = button.getAttribute('data-copy') ?? '';
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    const label = button.textContent;
    button.textContent = 'copied';
    setTimeout(() => {
      button.textContent = label;
    }, 1200);
  };

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.copy') : null;
    if (button) {
      event.preventDefault();
      void copy(button);
    }
  });

  const rows = () => [...document.querySelectorAll('#events tbody tr[data-href]')];
  let current = -1;
  const select = (index) => {
    const list = rows();
    if (list.length === 0) return;
    current = Math.max(0, Math.min(list.length - 1, index));
    for (const [n, row] of list.entries()) row.classList.toggle('selected', n === current);
    list[current].focus();
  };

  document.addEventListener('keydown', (event) => {
    const target = event.target;
    if (target instanceof HTMLElement && target.closest('input, select, textarea, [contenteditable]')) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const list = rows();
    if (event.key === '/') {
      const search = document.querySelector('input[name="q"]');
      if (search) {
        event.preventDefault();
        search.focus();
      }
    } else if (list.length > 0 && (event.key === 'j' || event.key === 'ArrowDown')) {
      event.preventDefault();
      select(current + 1);
    } else if (list.length > 0 && (event.key === 'k' || event.key === 'ArrowUp')) {
      event.preventDefault();
      select(current < 0 ? 0 : current - 1);
    } else if (current >= 0 && (event.key === 'Enter' || event.key === 'o')) {
      const row = list[current];
      if (row && !(target instanceof HTMLAnchorElement) && !(target instanceof HTMLButtonElement)) {
        event.preventDefault();
        location.href = row.getAttribute('data-href');
      }
    } else if (current >= 0 && event.key === 'x') {
      const box = list[current]?.querySelector('input[type="checkbox"]');
      if (box) box.checked = !box.checked;
    }
  });

  // Re-read the period after each refresh: a page still counting asks again sooner.
  const refresh = () => {
    const main = document.getElementById('main');
    const seconds = Number(main?.getAttribute('data-refresh') || 0);
    if (!main || !(seconds > 0)) return;
    setTimeout(async () => {
      try {
        if (!document.hidden) {
          const answer = await fetch(location.href, {
            headers: { accept: 'text/html' },
            credentials: 'same-origin',
          });
          const next = answer.ok
            ? new DOMParser().parseFromString(await answer.text(), 'text/html').getElementById('main')
            : null;
          if (next) {
            main.replaceChildren(...next.childNodes);
            main.setAttribute('data-refresh', next.getAttribute('data-refresh') ?? '');
            localize(main);
          }
        }
      } catch {
        // Offline for a moment: the next tick tries again.
      }
      refresh();
    }, seconds * 1000);
  };

  const start = () => {
    localize(document);
    refresh();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
