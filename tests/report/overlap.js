// Text boxes that overlap: within each figure's SVG (tick labels, titles, legends), and among
// the page's own text blocks (headings, table cells, captions). Returns a list of strings.
() => {
  const found = [];
  const visible = (r) => r.width > 0.5 && r.height > 0.5;
  const clash = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  // What shows of a box: clipped by every scrolling or clipping ancestor.
  const shown = (node) => {
    let r = node.getBoundingClientRect();
    let box = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    for (let p = node.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      const c = p.getBoundingClientRect();
      box = { left: Math.max(box.left, c.left), right: Math.min(box.right, c.right),
              top: Math.max(box.top, c.top), bottom: Math.min(box.bottom, c.bottom) };
    }
    return { left: box.left, right: box.right, top: box.top, bottom: box.bottom,
             width: box.right - box.left, height: box.bottom - box.top };
  };
  const check = (where, nodes) => {
    const boxes = nodes.map((n) => [n, shown(n)])
      .filter(([n, r]) => visible(r) && n.textContent.trim() &&
              (!n.checkVisibility || n.checkVisibility()));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, ra] = boxes[i], [b, rb] = boxes[j];
        if (a.contains(b) || b.contains(a)) continue;
        if (clash(ra, rb)) {
          found.push(`${where}: "${a.textContent.trim().slice(0, 40)}" over "` +
                     `${b.textContent.trim().slice(0, 40)}"`);
        }
      }
    }
  };
  document.querySelectorAll("figure.figure").forEach((fig) => {
    check(fig.id, Array.from(fig.querySelectorAll("svg text")));
  });
  const blocks = Array.from(document.querySelectorAll(
    "h1, h2, h3, p, figcaption, th, td, summary, nav a, li button"));
  check("page", blocks);
  return found;
}
