(function () {
  'use strict';
  var byId = function (id) { return document.getElementById(id); };
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var fs = byId('f-statement'), fp = byId('f-provider'), fv = byId('f-verdict');
  var ft = byId('f-text'), fk = byId('f-known');

  function filters() {
    // Columns are numbered in the order of the provider list.
    var col = fp.selectedIndex > 0 ? String(fp.selectedIndex - 1) : '';
    return { s: fs.value, p: fp.value, col: col, v: fv.value, t: ft.value.trim().toLowerCase(), k: fk.checked };
  }
  function hasWord(el, name, word) {
    var v = el.getAttribute(name);
    return v === null || v.split(' ').indexOf(word) >= 0;
  }
  function textMatches(el, t) {
    if (!t) return true;
    var v = el.getAttribute('data-text');
    return v === null || v.indexOf(t) >= 0;
  }
  function columnShown(el, f) {
    return !f.col || el.getAttribute('data-col') === f.col;
  }

  // Statement x provider matrix: rows by statement and text, cells dimmed by verdict, columns by provider.
  function applyMatrix(f) {
    all('[data-col]').forEach(function (c) { c.hidden = !columnShown(c, f); });
    all('table.matrix tbody').forEach(function (group) {
      var shown = 0;
      all('tr.st', group).forEach(function (r) {
        var any = false;
        all('td[data-verdict]', r).forEach(function (c) {
          var match = !f.v || c.getAttribute('data-verdict') === f.v;
          c.classList.toggle('dim', !match);
          if (match && !c.hidden) any = true;
        });
        r.hidden = !((!f.s || hasWord(r, 'data-statements', f.s)) && textMatches(r, f.t) && any);
        if (!r.hidden) shown += 1;
      });
      group.hidden = shown === 0;
    });
  }

  // Everything else that answers for a statement, a provider or a verdict: failures, reports, mutants, details.
  function applyItems(f) {
    all('.item').forEach(function (e) {
      var ok = (!f.s || hasWord(e, 'data-statements', f.s)) &&
        (!f.p || !e.hasAttribute('data-provider') || e.getAttribute('data-provider') === f.p) &&
        (!f.v || !e.hasAttribute('data-verdict') || e.getAttribute('data-verdict') === f.v) &&
        !(f.k && e.getAttribute('data-known') === 'yes') && textMatches(e, f.t);
      e.hidden = !ok;
    });
  }

  // Cases: one row per body with per-provider counts; its instances below when expanded.
  function applyCases(f) {
    all('#case-matrix tr.body').forEach(function (r) {
      var any = false;
      all('td[data-verdicts]', r).forEach(function (c) {
        if (!c.hidden && (!f.v || hasWord(c, 'data-verdicts', f.v))) any = true;
      });
      r.hidden = !((!f.s || hasWord(r, 'data-statements', f.s)) && textMatches(r, f.t) && any);
      var open = !r.hidden && r.querySelector('button.expand').getAttribute('aria-expanded') === 'true';
      all('tr.inst[data-body="' + r.id + '"]').forEach(function (i) {
        var match = !f.v || all('td[data-verdict]', i).some(function (c) {
          return !c.hidden && c.getAttribute('data-verdict') === f.v;
        });
        i.hidden = !(open && match);
      });
    });
  }

  function count(id, sel) {
    var out = byId(id);
    if (!out) return;
    var items = all(sel);
    var shown = items.filter(function (e) { return !e.hidden; }).length;
    out.textContent = shown === items.length ? '' : 'showing ' + shown + ' of ' + items.length;
  }

  function apply() {
    var f = filters();
    applyMatrix(f);
    applyItems(f);
    applyCases(f);
    count('shown-failures', '#failures .failure');
    count('shown-statements', 'table.matrix tr.st');
    count('shown-cases', '#case-matrix tr.body');
  }

  [fs, fp, fv].forEach(function (x) { x.addEventListener('change', apply); });
  ft.addEventListener('input', apply);
  fk.addEventListener('change', apply);

  // Groups of the matrix fold and unfold from their heading.
  all('tr.group-head button').forEach(function (b) {
    b.addEventListener('click', function () {
      var body = b.closest('tbody');
      var collapsed = body.classList.toggle('collapsed');
      b.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
    });
  });
  all('#case-matrix button.expand').forEach(function (b) {
    b.addEventListener('click', function () {
      b.setAttribute('aria-expanded', b.getAttribute('aria-expanded') === 'true' ? 'false' : 'true');
      apply();
    });
  });
  function setAll(open) {
    all('#failures details.failure').forEach(function (d) { d.open = open; });
  }
  var openAll = byId('failures-open'), closeAll = byId('failures-close');
  if (openAll) openAll.addEventListener('click', function () { setAll(true); });
  if (closeAll) closeAll.addEventListener('click', function () { setAll(false); });

  // A link into a closed section opens it: details around the target, the body row of a case.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && byId(id);
    if (!target) return;
    if (target.matches('tr.inst')) {
      var body = byId(target.getAttribute('data-body'));
      if (body) body.querySelector('button.expand').setAttribute('aria-expanded', 'true');
      apply();
    }
    for (var e = target; e; e = e.parentElement) {
      if (e.tagName === 'DETAILS') e.open = true;
      if (e.tagName === 'TBODY') e.classList.remove('collapsed');
    }
    all('.flash').forEach(function (x) { x.classList.remove('flash'); });
    target.classList.add('flash');
    target.scrollIntoView({ block: 'center' });
  }
  window.addEventListener('hashchange', reveal);
  apply();
  reveal();
})();
