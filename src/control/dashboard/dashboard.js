// flatnet's dashboard: reads /status.json (what `flatnet status -json` prints,
// src/control/status_json.h) every few seconds, and each peer's own /status.json through
// /peers/VPNIP/status.json, and draws the mesh.
//
// What the page holds, for people and for tests (tests/lab/dashboard_test.sh):
//   #updated[data-state]          "loading", "ok" (drawn at least once) or "error"
//   #member-VPNIP (svg g.member)  data-vpn-ip, data-name, data-online ("true": a tunnel to
//                                 it is seen; "false": known without one), data-self,
//                                 data-cert-expires-soon, data-dashboard ("ok",
//                                 "unreachable" or "" when not asked)
//   #pair-A-B (svg line.pair)     A and B the two overlay addresses, lower first;
//                                 data-path "direct" | "relay" | "none", data-relay (the
//                                 relay's name, or its address), data-rtt-us, data-seen-by
//   #row-VPNIP, #pairrow-A-B      the same in the tables; #counter-NAME a non-zero counter
// Names come from peers' certificates: they only ever go into textContent and attributes.
'use strict';

const POLL_MS = 3000;
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 900;
const HEIGHT = 560;

// Overlay addresses in numeric order: IPv4 (by octet) before IPv6 (by expanded groups).
function addressKey(ip) {
  if (ip.includes('.') && !ip.includes(':')) {
    return '4' + ip.split('.').map((o) => o.padStart(3, '0')).join('.');
  }
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === null ? left
    : left.concat(Array(8 - left.length - right.length).fill('0'), right);
  return '6' + groups.map((g) => g.padStart(4, '0')).join(':');
}
function compareAddresses(a, b) {
  const ka = addressKey(a);
  const kb = addressKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
function pairKey(a, b) {
  return compareAddresses(a, b) <= 0 ? [a, b] : [b, a];
}

function formatRtt(us) {
  if (us === null || us === undefined) return '-';
  return us >= 10000 ? (us / 1000).toFixed(0) + ' ms' : (us / 1000).toFixed(2) + ' ms';
}
function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
}
function daysLeft(expiresUnix, nowIso) {
  const now = Date.parse(nowIso) / 1000;
  return Math.floor((expiresUnix - now) / 86400);
}

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(url + ': HTTP ' + response.status);
  return response.json();
}

// Members and pairs from our status and those of the peers whose dashboards answered.
function buildModel(me, peers) {
  const members = new Map();
  const member = (vpnIp, name) => {
    if (!members.has(vpnIp)) {
      members.set(vpnIp, {
        vpnIp, name: name || '', online: false, self: false, certExpires: '',
        certExpiresSoon: false, certDays: null, dashboard: '', fromHere: null,
      });
    }
    const m = members.get(vpnIp);
    if (!m.name && name) m.name = name;
    return m;
  };
  const self = member(me.vpnIp, me.certName);
  Object.assign(self, {
    online: true, self: true, certExpires: me.certExpires, certExpiresSoon: me.certExpiresSoon,
    certDays: daysLeft(me.certExpiresUnix, me.now), dashboard: 'ok',
  });
  const pairs = new Map();
  const addPair = (from, to, tunnel, seenBy) => {
    const [a, b] = pairKey(from, to);
    const id = a + '-' + b;
    const path = tunnel ? (tunnel.path === 'relay' ? 'relay' : 'direct') : 'none';
    const existing = pairs.get(id);
    if (existing) {
      // Both ends told us: a tunnel beats "none"; otherwise the first view (ours) stays.
      if (existing.path === 'none' && path !== 'none') {
        pairs.set(id, { ...existing, path, ...tunnelFacts(tunnel) });
      } else if (existing.rttUs === null && tunnel) {
        existing.rttUs = tunnel.rttUs;
      }
      pairs.get(id).seenBy.push(seenBy);
      return;
    }
    pairs.set(id, { id, a, b, path, seenBy: [seenBy], ...tunnelFacts(tunnel) });
  };
  const tunnelFacts = (tunnel) => ({
    relay: tunnel && tunnel.path === 'relay' ? (tunnel.relayName || tunnel.relayVpnIp) : '',
    rttUs: tunnel ? tunnel.rttUs : null,
  });

  for (const t of me.tunnels) {
    const m = member(t.vpnIp, t.certName);
    Object.assign(m, {
      online: true, certExpires: t.certExpires, certExpiresSoon: t.certExpiresSoon,
      certDays: daysLeft(t.certExpiresUnix, me.now), fromHere: t,
    });
    addPair(me.vpnIp, t.vpnIp, t, me.certName || me.vpnIp);
  }
  for (const h of me.hostsWithoutTunnel || []) {
    member(h.vpnIp, h.certName);
    addPair(me.vpnIp, h.vpnIp, null, me.certName || me.vpnIp);
  }
  for (const [vpnIp, status] of peers) {
    const m = member(vpnIp, '');
    m.dashboard = status ? 'ok' : 'unreachable';
    if (!status) continue;
    for (const t of status.tunnels) {
      if (t.vpnIp === me.vpnIp) continue;  // our own tunnel to it: we said it already
      const other = member(t.vpnIp, t.certName);
      other.online = true;
      if (!other.certExpires) {
        Object.assign(other, {
          certExpires: t.certExpires, certExpiresSoon: t.certExpiresSoon,
          certDays: daysLeft(t.certExpiresUnix, status.now),
        });
      }
      addPair(vpnIp, t.vpnIp, t, status.certName || vpnIp);
    }
    for (const h of status.hostsWithoutTunnel || []) {
      if (h.vpnIp === me.vpnIp) continue;
      member(h.vpnIp, h.certName);
      addPair(vpnIp, h.vpnIp, null, status.certName || vpnIp);
    }
  }
  const ordered = [...members.values()].sort((x, y) =>
    x.self ? -1 : y.self ? 1 : compareAddresses(x.vpnIp, y.vpnIp));
  const orderedPairs = [...pairs.values()].sort((x, y) =>
    compareAddresses(x.a, y.a) || compareAddresses(x.b, y.b));
  return { members: ordered, pairs: orderedPairs };
}

function svg(tag, attributes, parent) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (parent) parent.appendChild(element);
  return element;
}
function svgText(parent, cls, x, y, text) {
  const element = svg('text', { class: cls, x, y }, parent);
  element.textContent = text;
  return element;
}

// Our host in the middle, the others on a circle around it in address order.
function layout(members) {
  const places = new Map();
  const others = members.filter((m) => !m.self);
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  for (const m of members) if (m.self) places.set(m.vpnIp, { x: cx, y: cy });
  const rx = WIDTH / 2 - 110;
  const ry = HEIGHT / 2 - 70;
  others.forEach((m, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(others.length, 1);
    places.set(m.vpnIp, { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle) });
  });
  return places;
}

function drawPicture(model) {
  const picture = document.getElementById('mesh');
  picture.replaceChildren();
  const places = layout(model.members);
  const lines = svg('g', { id: 'mesh-lines' }, picture);
  const labels = svg('g', { id: 'mesh-labels' }, picture);
  for (const p of model.pairs) {
    const from = places.get(p.a);
    const to = places.get(p.b);
    const line = svg('line', {
      id: 'pair-' + p.id, class: 'pair path-' + p.path, x1: from.x.toFixed(1),
      y1: from.y.toFixed(1), x2: to.x.toFixed(1), y2: to.y.toFixed(1), 'data-a': p.a,
      'data-b': p.b, 'data-path': p.path, 'data-relay': p.relay,
      'data-rtt-us': p.rttUs === null ? '' : String(p.rttUs), 'data-seen-by': p.seenBy.join(','),
    }, lines);
    svg('title', {}, line).textContent = p.a + ' - ' + p.b + ': ' +
      (p.path === 'relay' ? 'relayed via ' + p.relay : p.path === 'none' ? 'no tunnel' : 'direct') +
      (p.rttUs === null ? '' : ', ' + formatRtt(p.rttUs));
    if (p.path === 'none') continue;
    const label = (p.path === 'relay' ? 'via ' + p.relay : 'direct') +
      (p.rttUs === null ? '' : ' ' + formatRtt(p.rttUs));
    svgText(labels, 'pair-label', ((from.x + to.x) / 2 + 6).toFixed(1),
      ((from.y + to.y) / 2 - 6).toFixed(1), label).setAttribute('data-pair', p.id);
  }
  const nodes = svg('g', { id: 'mesh-members' }, picture);
  for (const m of model.members) {
    const at = places.get(m.vpnIp);
    const group = svg('g', {
      id: 'member-' + m.vpnIp,
      class: 'member ' + (m.online ? 'online' : 'offline') + (m.self ? ' self' : ''),
      transform: 'translate(' + at.x.toFixed(1) + ' ' + at.y.toFixed(1) + ')',
      'data-vpn-ip': m.vpnIp, 'data-name': m.name, 'data-online': String(m.online),
      'data-self': String(m.self), 'data-cert-expires-soon': String(m.certExpiresSoon),
      'data-dashboard': m.dashboard,
    }, nodes);
    svg('circle', { r: 30 }, group);
    svgText(group, 'name', 0, 5, m.name || '?');
    svgText(group, 'address', 0, 46, m.vpnIp + (m.online ? '' : ' (offline)'));
    if (m.certExpiresSoon) svgText(group, 'cert-warn', 0, 60, 'certificate ends in ' + m.certDays + ' days');
  }
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

// Replaces the rows of the table `selector` with one per item: `id` names the row, `fill`
// adds its cells (and anything else the row says).
function fillTable(selector, items, id, fill) {
  document.querySelector(selector + ' tbody').replaceChildren(...items.map((item) => {
    const row = document.createElement('tr');
    row.id = id(item);
    fill(row, item);
    return row;
  }));
}

function drawMembers(model) {
  fillTable('#members', model.members, (m) => 'row-' + m.vpnIp, (row, m) => {
    row.dataset.vpnIp = m.vpnIp;
    row.dataset.online = String(m.online);
    const t = m.fromHere;
    cell(row, m.name || '?');
    cell(row, m.vpnIp);
    cell(row, m.self ? 'this host' : m.online ? 'online' : 'offline');
    cell(row, m.self ? '' : !t ? (m.online ? 'no tunnel from here' : 'none')
      : t.path === 'relay' ? 'relay via ' + (t.relayName || t.relayVpnIp) : 'direct ' + t.remote);
    cell(row, t ? formatRtt(t.rttUs) : '-', 'number');
    const cert = cell(row, m.certExpires ? m.certExpires.slice(0, 10) +
      (m.certExpiresSoon ? ' (ends in ' + m.certDays + ' days)' : '') : '-');
    if (m.certExpiresSoon) cert.className = 'warn';
    cell(row, t ? formatBytes(t.txBytes) + ' / ' + formatBytes(t.rxBytes) : '-', 'number');
  });
}

function drawPairs(model) {
  const names = new Map(model.members.map((m) => [m.vpnIp, m.name || m.vpnIp]));
  fillTable('#pairs', model.pairs, (p) => 'pairrow-' + p.id, (row, p) => {
    row.dataset.path = p.path;
    cell(row, names.get(p.a) + ' (' + p.a + ')');
    cell(row, names.get(p.b) + ' (' + p.b + ')');
    cell(row, p.path === 'relay' ? 'relayed via ' + p.relay : p.path === 'none' ? 'no tunnel' : 'direct');
    cell(row, formatRtt(p.rttUs), 'number');
    cell(row, p.seenBy.join(', '));
  });
}

function drawCounters(me) {
  const counters = Object.entries(me.counters).filter(([, value]) => value);
  fillTable('#counters', counters, ([name]) => 'counter-' + name, (row, [name, value]) => {
    if (name in me.drops) row.className = 'drop';
    cell(row, name);
    cell(row, String(value), 'number');
  });
}

function setState(state, text) {
  const updated = document.getElementById('updated');
  updated.dataset.state = state;
  updated.textContent = text;
}

async function refresh() {
  let me;
  try {
    me = await getJson('/status.json');
  } catch (error) {
    setState('error', 'cannot read /status.json (' + error.message + '); trying again');
    return;
  }
  const peers = new Map();
  await Promise.all(me.tunnels.map(async (t) => {
    try {
      peers.set(t.vpnIp, await getJson('/peers/' + encodeURIComponent(t.vpnIp) + '/status.json'));
    } catch (error) {
      peers.set(t.vpnIp, null);
    }
  }));
  const model = buildModel(me, peers);
  document.getElementById('title').textContent = 'flatnet: ' + (me.certName || me.vpnIp);
  document.title = 'flatnet: ' + (me.certName || me.vpnIp);
  drawPicture(model);
  drawMembers(model);
  drawPairs(model);
  drawCounters(me);
  const offline = model.members.filter((m) => !m.online).length;
  setState('ok', 'updated ' + new Date().toLocaleTimeString() + ': ' + model.members.length +
    ' members (' + offline + ' offline), ' + me.tunnels.length + ' tunnels from here');
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}
poll();
