(function () {
  'use strict';
  // Errors and blocked content are written into the page, where tests (and curious readers) can see them.
  var errorBox = document.getElementById('js-errors');
  function note(msg) {
    errorBox.textContent += msg + '\n';
    errorBox.hidden = false;
  }
  window.addEventListener('error', function (e) { note('error: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { note('rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) {
    note('blocked by the content security policy: ' + e.violatedDirective);
  });

  var D = JSON.parse(document.getElementById('report-data').textContent);
  var F = D.findings;
  var PAGE = 100;
  // Grouped by rule, a group of more matching rows than this starts collapsed: its header shows the count
  // and the first examples (a rule can hold thousands of near-identical rows at a million objects).
  var GROUP_OPEN_MAX = 50;
  var EXAMPLES = 3;
  var el = function (id) { return document.getElementById(id); };
  var body = el('findings-body');
  // rows: the matching findings in display order; units: what the pages hold, a finding index or, for a
  // collapsed group, -1 - its rule index; groupOpen: groups the reader opened (true) or closed (false).
  var state = { rows: [], units: [], page: 0, open: Object.create(null), groupOpen: Object.create(null), all: false };

  // Rules ranked by their first finding in report order (most severe first).
  var ruleRank = [];
  var ruleCount = [];
  F.forEach(function (f) {
    if (ruleRank[f[0]] === undefined) { ruleRank[f[0]] = Object.keys(ruleRank).length; }
  });

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  // Text with `code` spans as <code> elements (text nodes only: nothing is parsed as markup).
  function rich(text) {
    var frag = document.createDocumentFragment();
    var parts = String(text).split('`');
    if (parts.length % 2 === 0) { parts[parts.length - 2] += '`' + parts.pop(); }
    parts.forEach(function (p, k) {
      if (!p) { return; }
      frag.appendChild(k % 2 ? make('code', null, p) : document.createTextNode(p));
    });
    return frag;
  }
  function where(f) {
    var s = f[4][0];
    if (!s || s[3] < 0) { return ''; }
    return D.files[s[3]] + (s[4] > 0 ? ':' + s[4] : '');
  }
  var haystack = [];
  function textOf(i) {
    if (haystack[i] === undefined) {
      var f = F[i];
      var r = D.rules[f[0]];
      var parts = [f[3], r[0], r[1], D.categories[f[2]], D.severities[f[1]], f[8]];
      f[4].forEach(function (s) { parts.push(s[0], s[1], s[2], s[3] >= 0 ? D.files[s[3]] : ''); });
      // A cause is found by what it folds too (rule, title, fingerprint of each consequence).
      (f[13] || []).forEach(function (c) { parts.push(c[0], c[2], c[3]); });
      haystack[i] = parts.join('\n').toLowerCase();
    }
    return haystack[i];
  }
  function inScope(f, name, kind) {
    if (!name) { return true; }
    return f[10].some(function (k) { return D.scopes[k][0] === name && D.scopes[k][1] === kind; });
  }

  function apply() {
    var cat = el('f-category').value, sev = el('f-severity').value;
    var tenant = el('f-tenant').value, forest = el('f-forest').value;
    var q = el('f-search').value.trim().toLowerCase();
    var words = q ? q.split(/\s+/) : [];
    var rows = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (cat && D.categories[f[2]] !== cat) { continue; }
      if (sev && D.severities[f[1]] !== sev) { continue; }
      if (!inScope(f, tenant, 'tenant') || !inScope(f, forest, 'forest')) { continue; }
      if (words.length) {
        var t = textOf(i);
        if (!words.every(function (w) { return t.indexOf(w) >= 0; })) { continue; }
      }
      rows.push(i);
    }
    var sort = el('f-sort').value, group = el('f-group').checked;
    var key;
    if (sort === 'rule') { key = function (i) { return D.rules[F[i][0]][0]; }; }
    else if (sort === 'title') { key = function (i) { return F[i][3].toLowerCase(); }; }
    else if (sort === 'file') { key = function (i) { var s = F[i][4][0]; return s && s[3] >= 0 ? D.files[s[3]] + '\u0000' + String(1e9 + s[4]) : '\uffff'; }; }
    else { key = null; }
    rows.sort(function (a, b) {
      if (group) {
        var g = ruleRank[F[a][0]] - ruleRank[F[b][0]];
        if (g) { return g; }
      }
      if (key) {
        var ka = key(a), kb = key(b);
        if (ka < kb) { return -1; }
        if (ka > kb) { return 1; }
      }
      return a - b;
    });
    ruleCount = [];
    rows.forEach(function (i) { ruleCount[F[i][0]] = (ruleCount[F[i][0]] || 0) + 1; });
    state.rows = rows;
    state.page = 0;
    layout();
  }

  function groupIsOpen(r) {
    var o = state.groupOpen[r];
    return o === undefined ? ruleCount[r] <= GROUP_OPEN_MAX : o;
  }

  // Turns the matching rows into page units: the rows of open groups, one unit per collapsed group.
  function layout() {
    var units = [], group = el('f-group').checked, last = -1;
    state.rows.forEach(function (i) {
      var r = F[i][0];
      if (group && !groupIsOpen(r)) {
        if (r !== last) { units.push(-1 - r); }
      } else {
        units.push(i);
      }
      last = r;
    });
    state.units = units;
    render();
  }

  function groupHeader(r, collapsed) {
    var g = make('tr', 'group' + (collapsed ? ' collapsed' : ''));
    g.setAttribute('data-rule', String(r));
    var rule = D.rules[r];
    var td = make('td');
    td.colSpan = 4;
    td.appendChild(make('span', 'group-name', rule[0] + ' ' + rule[1] + ' — ' + ruleCount[r] + ' finding(s)'));
    var big = ruleCount[r] > GROUP_OPEN_MAX;
    if (collapsed || big) {
      var b = make('button', 'group-toggle', collapsed ? 'show all ' + ruleCount[r] : 'collapse');
      b.type = 'button';
      b.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
      td.appendChild(document.createTextNode(' '));
      td.appendChild(b);
    }
    if (collapsed) {
      var ex = make('div', 'group-examples');
      var shown = 0;
      for (var k = 0; k < state.rows.length && shown < EXAMPLES; k++) {
        var f = F[state.rows[k]];
        if (f[0] === r) {
          ex.appendChild(make('div', 'group-example', f[3] + (where(f) ? ' — ' + where(f) : '')));
          shown++;
        }
      }
      if (ruleCount[r] > shown) { ex.appendChild(make('div', 'group-more', '… and ' + (ruleCount[r] - shown) + ' more')); }
      td.appendChild(ex);
    }
    g.appendChild(td);
    return g;
  }

  function detail(i) {
    var f = F[i];
    var tr = make('tr', 'detail');
    var td = make('td');
    td.colSpan = 4;
    var rule = D.rules[f[0]];
    td.appendChild(make('h4', null, rule[0] + ' ' + rule[1] + (rule[2] ? ' — ' + rule[2] : '')));
    if (f[9]) { td.appendChild(make('p', 'suppressed-note', 'Suppressed: ' + f[9])); }
    if (f[12]) { td.appendChild(make('p', 'failing-note', 'Fails the gate.')); }
    td.appendChild(make('h4', null, 'Subjects'));
    var t = make('table', 'subjects');
    var hr = make('tr');
    ['kind', 'id', 'name', 'source'].forEach(function (h) { hr.appendChild(make('th', null, h)); });
    t.appendChild(hr);
    f[4].forEach(function (s) {
      var r = make('tr');
      r.appendChild(make('td', null, s[0]));
      r.appendChild(make('td', 'path', s[1]));
      r.appendChild(make('td', null, s[2]));
      r.appendChild(make('td', 'path', s[3] >= 0 ? D.files[s[3]] + (s[4] > 0 ? ':' + s[4] : '') : ''));
      t.appendChild(r);
    });
    td.appendChild(t);
    if (f[5] > 0) { td.appendChild(make('p', null, '… and ' + f[5] + ' more subject(s)')); }
    if (f[6].length) {
      td.appendChild(make('h4', null, 'Evidence'));
      var dl = make('dl', 'evidence');
      f[6].forEach(function (field) {
        dl.appendChild(make('dt', null, field[0].replace(/_/g, ' ')));
        var dd = make('dd');
        if (Array.isArray(field[1])) {
          var list = make('ul');
          field[1].forEach(function (v) { var li = make('li'); li.appendChild(rich(v)); list.appendChild(li); });
          dd.appendChild(list);
        } else {
          dd.appendChild(rich(field[1]));
        }
        dl.appendChild(dd);
      });
      td.appendChild(dl);
    }
    var rem = D.remediations[f[7]];
    if (rem) {
      td.appendChild(make('h4', null, 'Remediation'));
      rem.split(/\n\s*\n/).forEach(function (para) {
        var p = make('p', 'remediation');
        p.appendChild(rich(para));
        td.appendChild(p);
      });
    }
    if (f[11].length) {
      td.appendChild(make('h4', null, 'Commands'));
      f[11].forEach(function (c) { td.appendChild(make('pre', 'command', c)); });
    }
    if (f[13] && f[13].length) {
      td.appendChild(make('h4', null, 'What else this causes (' + (f[13].length + f[14]) + ')'));
      var ul = make('ul', 'consequences');
      f[13].forEach(function (c) {
        var li = make('li', null, c[0] + ' [' + D.severities[c[1]] + '] ');
        li.appendChild(rich(c[2]));
        if (D.ci) { li.appendChild(document.createTextNode(' — fingerprint ' + c[3])); }
        ul.appendChild(li);
      });
      td.appendChild(ul);
      if (f[14] > 0) { td.appendChild(make('p', null, '… and ' + f[14] + ' more')); }
    }
    td.appendChild(make('p', 'meta', (D.ci ? 'Fingerprint ' + f[8] + ' · ' : '') + 'category ' + D.categories[f[2]]));
    tr.appendChild(td);
    return tr;
  }

  function row(i) {
    var f = F[i];
    var tr = make('tr', 'finding' + (f[9] ? ' suppressed' : ''));
    tr.setAttribute('data-index', String(i));
    tr.setAttribute('data-severity', D.severities[f[1]]);
    tr.setAttribute('data-category', D.categories[f[2]]);
    tr.tabIndex = 0;
    var sev = make('td');
    sev.appendChild(make('span', 'pill sev-' + D.severities[f[1]], D.severities[f[1]]));
    tr.appendChild(sev);
    tr.appendChild(make('td', null, D.rules[f[0]][0]));
    var title = make('td', 'title');
    title.appendChild(rich(f[3] + (f[9] ? ' (suppressed)' : '')));
    var nc = f[13] ? f[13].length + f[14] : 0;
    if (nc > 0) { title.appendChild(make('span', 'folded-note', ' +' + nc + ' consequence(s)')); }
    tr.appendChild(title);
    tr.appendChild(make('td', 'path', where(f)));
    return tr;
  }

  function render() {
    var rows = state.rows, units = state.units;
    var size = state.all ? Math.min(units.length, 2000) : PAGE;
    var pages = Math.max(1, Math.ceil(units.length / size));
    if (state.page >= pages) { state.page = pages - 1; }
    var from = state.all ? 0 : state.page * size, to = Math.min(units.length, from + size);
    var frag = document.createDocumentFragment();
    var group = el('f-group').checked, last = -1;
    for (var k = from; k < to; k++) {
      if (units[k] < 0) {
        last = -1 - units[k];
        frag.appendChild(groupHeader(last, true));
        continue;
      }
      var i = units[k], r = F[i][0];
      if (group && r !== last) {
        frag.appendChild(groupHeader(r, false));
        last = r;
      }
      frag.appendChild(row(i));
      if (state.open[i]) { frag.appendChild(detail(i)); }
    }
    body.textContent = '';
    body.appendChild(frag);
    el('shown-count').textContent = rows.length + ' of ' + F.length + ' finding(s) match';
    var collapsed = units.filter(function (u) { return u < 0; }).length;
    var unitName = collapsed ? 'rows and collapsed groups ' : 'rows ';
    el('page-info').textContent = units.length ? unitName + (from + 1) + '–' + to + ' of ' + units.length + ', page ' + (state.page + 1) + ' of ' + pages : 'no finding matches';
    el('page-prev').disabled = state.page === 0;
    el('page-next').disabled = state.page >= pages - 1;
  }

  body.addEventListener('click', function (e) {
    var toggle = e.target.closest('.group-toggle');
    if (toggle) {
      var g = toggle.closest('tr.group');
      state.groupOpen[Number(g.getAttribute('data-rule'))] = g.classList.contains('collapsed');
      layout();
      return;
    }
    var tr = e.target.closest('tr.finding');
    if (!tr) { return; }
    var i = Number(tr.getAttribute('data-index'));
    if (state.open[i]) { delete state.open[i]; } else { state.open[i] = true; }
    render();
  });
  body.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && e.target.classList.contains('finding')) { e.target.click(); }
  });
  ['f-category', 'f-severity', 'f-tenant', 'f-forest', 'f-sort', 'f-group'].forEach(function (id) {
    el(id).addEventListener('change', apply);
  });
  // 'change' fires again when the search box loses focus — e.g. on the mousedown of a click on a
  // result row; re-rendering then would swallow that click. Apply only when the text changed.
  var lastQuery = null;
  function applySearch() {
    var q = el('f-search').value;
    if (q === lastQuery) { return; }
    lastQuery = q;
    apply();
  }
  el('f-search').addEventListener('input', applySearch);
  el('f-search').addEventListener('change', applySearch);
  el('filters').addEventListener('submit', function (e) { e.preventDefault(); });
  el('page-prev').addEventListener('click', function () { state.page--; render(); });
  el('page-next').addEventListener('click', function () { state.page++; render(); });
  // Printing shows every matching row (up to 2000), not just the current page.
  window.addEventListener('beforeprint', function () { state.all = true; render(); });
  window.addEventListener('afterprint', function () { state.all = false; render(); });
  apply();
  document.documentElement.setAttribute('data-ready', '1');
}());
