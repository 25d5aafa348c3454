// Exact Pareto fronts; see include/strata/trials.h.
#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <string>

#include "strata/trials.h"

namespace strata::trials {
namespace {

// 2 coordinates: sort by (x, y); a point is dominated exactly when an earlier, different point
// has y <= its y. Equal points form one group and share the answer.
std::vector<uint32_t> Front2(std::span<const double> p) {
  struct P {
    double x, y;
    uint32_t i;
  };
  const size_t n = p.size() / 2;
  std::vector<P> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = {p[2 * i], p[2 * i + 1], static_cast<uint32_t>(i)};
  std::sort(v.begin(), v.end(), [](const P& a, const P& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  std::vector<uint32_t> out;
  double best_y = std::numeric_limits<double>::infinity();
  bool any = false;  // best_y holds a real point's y (infinity is a legal coordinate)
  for (size_t g = 0; g < n;) {
    size_t e = g + 1;
    while (e < n && v[e].x == v[g].x && v[e].y == v[g].y) ++e;
    if (!any || best_y > v[g].y) {
      for (size_t k = g; k < e; ++k) out.push_back(v[k].i);
      best_y = v[g].y;  // smaller than every earlier y (else it was dominated)
      any = true;
    }
    g = e;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint32_t> LexOrder(std::span<const double> p, size_t d) {
  const size_t n = p.size() / d;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const double* pa = &p[a * d];
    const double* pb = &p[b * d];
    for (size_t k = 0; k < d; ++k) {
      if (pa[k] < pb[k]) return true;
      if (pb[k] < pa[k]) return false;
    }
    return a < b;
  });
  return order;
}

bool Equal(const double* a, const double* b, size_t d) {
  for (size_t k = 0; k < d; ++k) {
    if (!(a[k] == b[k])) return false;
  }
  return true;
}

// 3 coordinates: sort by (x, y, z), then sweep keeping the (y, z) staircase of the front so far
// in a balanced tree (y ascending, z strictly descending). A point is dominated exactly when the
// staircase has an entry with y' <= y and z' <= z: the entry with the largest y' <= y has the
// smallest such z'. Earlier points that were dominated need not be in the staircase: what
// dominated them dominates everything they would.
std::vector<uint32_t> Front3(std::span<const double> p) {
  const std::vector<uint32_t> order = LexOrder(p, 3);
  const size_t n = order.size();
  std::map<double, double> stair;
  std::vector<uint32_t> out;
  for (size_t g = 0; g < n;) {
    const double* a = &p[order[g] * 3];
    size_t e = g + 1;
    while (e < n && Equal(&p[order[e] * 3], a, 3)) ++e;
    const double y = a[1], z = a[2];
    auto it = stair.upper_bound(y);
    bool dominated = false;
    if (it != stair.begin()) dominated = std::prev(it)->second <= z;
    if (!dominated) {
      for (size_t k = g; k < e; ++k) out.push_back(order[k]);
      auto lo = stair.lower_bound(y);
      while (lo != stair.end() && lo->second >= z) lo = stair.erase(lo);
      stair[y] = z;
    }
    g = e;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// d >= 4 (and 1): in lexicographic order every point's dominators come before it, so compare
// each point with the front found so far.
std::vector<uint32_t> FrontN(std::span<const double> p, size_t d) {
  const std::vector<uint32_t> order = LexOrder(p, d);
  const size_t n = order.size();
  std::vector<double> front;  // coordinates of the distinct front points, row-major
  std::vector<uint32_t> out;
  for (size_t g = 0; g < n;) {
    const double* a = &p[order[g] * d];
    size_t e = g + 1;
    while (e < n && Equal(&p[order[e] * d], a, d)) ++e;
    bool dominated = false;
    for (size_t f = 0; f < front.size() && !dominated; f += d) {
      size_t k = 0;
      while (k < d && front[f + k] <= a[k]) ++k;
      dominated = k == d;  // <= everywhere and not equal (equal points are one group)
    }
    if (!dominated) {
      for (size_t k = g; k < e; ++k) out.push_back(order[k]);
      front.insert(front.end(), a, a + d);
    }
    g = e;
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<uint32_t> ParetoFront(std::span<const double> points, size_t d) {
  if (d == 0 || points.empty()) return {};
  if (d == 2) return Front2(points);
  if (d == 3) return Front3(points);
  return FrontN(points, d);
}

std::vector<uint32_t> NonDominatedRanks(std::span<const double> points, size_t d) {
  const size_t n = d == 0 ? 0 : points.size() / d;
  std::vector<uint32_t> rank(n, 0);
  std::vector<uint32_t> left(n);
  std::iota(left.begin(), left.end(), 0u);
  std::vector<double> sub;
  for (uint32_t r = 1; !left.empty(); ++r) {
    sub.clear();
    for (uint32_t i : left) sub.insert(sub.end(), &points[i * d], &points[i * d] + d);
    std::vector<uint32_t> front = ParetoFront(sub, d);
    std::vector<uint32_t> rest;
    size_t f = 0;
    for (size_t k = 0; k < left.size(); ++k) {
      if (f < front.size() && front[f] == k) {
        rank[left[k]] = r;
        ++f;
      } else {
        rest.push_back(left[k]);
      }
    }
    left.swap(rest);
  }
  return rank;
}

std::vector<double> CrowdingDistance(std::span<const double> points, size_t d) {
  const size_t n = d == 0 ? 0 : points.size() / d;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> dist(n, 0.0);
  if (n < 3) return std::vector<double>(n, inf);
  std::vector<uint32_t> order(n);
  for (size_t k = 0; k < d; ++k) {
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return points[a * d + k] < points[b * d + k]; });
    const double lo = points[order.front() * d + k], hi = points[order.back() * d + k];
    dist[order.front()] = inf;
    dist[order.back()] = inf;
    if (!(hi > lo)) continue;
    for (size_t i = 1; i + 1 < n; ++i) {
      dist[order[i]] += (points[order[i + 1] * d + k] - points[order[i - 1] * d + k]) / (hi - lo);
    }
  }
  return dist;
}

namespace {

// Area of the union of the boxes [p, (rx, ry)] of 2-D points strictly inside ref, sorted by x
// ascending: a point below every earlier one adds [x, rx] x [y, lowest earlier y].
double Area2Sorted(const std::vector<std::pair<double, double>>& xy, double rx, double ry) {
  double area = 0, best_y = ry;
  for (size_t i = 0; i < xy.size(); ++i) {
    if (xy[i].second < best_y) {
      area += (rx - xy[i].first) * (best_y - xy[i].second);
      best_y = xy[i].second;
    }
  }
  return area;
}

}  // namespace

Result<double> Hypervolume(std::span<const double> points, size_t d, std::span<const double> ref) {
  if (d != 2 && d != 3) {
    return Status::InvalidArgument("hypervolume is exact for 2 or 3 objectives, got " + std::to_string(d));
  }
  if (ref.size() != d) {
    return Status::InvalidArgument("reference point has " + std::to_string(ref.size()) + " coordinates for " +
                                   std::to_string(d) + " objectives");
  }
  const size_t n = points.size() / d;
  std::vector<uint32_t> in;
  for (size_t i = 0; i < n; ++i) {
    bool inside = true;
    for (size_t k = 0; k < d; ++k) inside = inside && points[i * d + k] < ref[k];
    if (inside) in.push_back(static_cast<uint32_t>(i));
  }
  if (d == 2) {
    std::vector<std::pair<double, double>> xy;
    xy.reserve(in.size());
    for (uint32_t i : in) xy.emplace_back(points[i * 2], points[i * 2 + 1]);
    std::sort(xy.begin(), xy.end());
    return Area2Sorted(xy, ref[0], ref[1]);
  }
  // 3-D: sort by z; between consecutive z values the cross-section is the 2-D union of the
  // points seen so far, kept sorted by x.
  std::sort(in.begin(), in.end(), [&](uint32_t a, uint32_t b) { return points[a * 3 + 2] < points[b * 3 + 2]; });
  std::vector<std::pair<double, double>> xy;
  double volume = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    std::pair<double, double> p{points[in[i] * 3], points[in[i] * 3 + 1]};
    xy.insert(std::upper_bound(xy.begin(), xy.end(), p), p);
    const double z = points[in[i] * 3 + 2];
    const double next_z = i + 1 < in.size() ? points[in[i + 1] * 3 + 2] : ref[2];
    if (next_z > z) volume += Area2Sorted(xy, ref[0], ref[1]) * (next_z - z);
  }
  return volume;
}

std::vector<uint32_t> ParetoFrontBruteForce(std::span<const double> points, size_t d) {
  std::vector<uint32_t> out;
  if (d == 0) return out;
  const size_t n = points.size() / d;
  for (size_t i = 0; i < n; ++i) {
    const double* a = &points[i * d];
    bool dominated = false;
    for (size_t j = 0; j < n && !dominated; ++j) {
      const double* b = &points[j * d];
      bool le = true, lt = false;
      for (size_t k = 0; k < d; ++k) {
        if (b[k] > a[k]) le = false;
        if (b[k] < a[k]) lt = true;
      }
      dominated = le && lt;
    }
    if (!dominated) out.push_back(static_cast<uint32_t>(i));
  }
  return out;
}

}  // namespace strata::trials
