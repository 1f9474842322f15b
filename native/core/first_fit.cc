#include "core/first_fit.h"

#include <algorithm>

namespace aivm {

void FirstFit::pull(int t) {
  Node& n = nodes_[size_t(t)];
  n.max_gap = n.gap;
  if (n.left >= 0) n.max_gap = std::max(n.max_gap, nodes_[size_t(n.left)].max_gap);
  if (n.right >= 0) n.max_gap = std::max(n.max_gap, nodes_[size_t(n.right)].max_gap);
}

std::pair<int, int> FirstFit::split(int t, int64_t key) {
  if (t < 0) return {-1, -1};
  Node& n = nodes_[size_t(t)];
  if (n.off < key) {
    auto [l, r] = split(n.right, key);
    nodes_[size_t(t)].right = l;
    pull(t);
    return {t, r};
  }
  auto [l, r] = split(n.left, key);
  nodes_[size_t(t)].left = r;
  pull(t);
  return {l, t};
}

int FirstFit::merge(int a, int b) {
  if (a < 0) return b;
  if (b < 0) return a;
  if (nodes_[size_t(a)].priority > nodes_[size_t(b)].priority) {
    int r = merge(nodes_[size_t(a)].right, b);
    nodes_[size_t(a)].right = r;
    pull(a);
    return a;
  }
  int l = merge(a, nodes_[size_t(b)].left);
  nodes_[size_t(b)].left = l;
  pull(b);
  return b;
}

int FirstFit::leftmost(int t) const {
  while (t >= 0 && nodes_[size_t(t)].left >= 0) t = nodes_[size_t(t)].left;
  return t;
}

int FirstFit::rightmost(int t) const {
  while (t >= 0 && nodes_[size_t(t)].right >= 0) t = nodes_[size_t(t)].right;
  return t;
}

void FirstFit::set_leftmost_gap(int t, int64_t gap) {
  Node& n = nodes_[size_t(t)];
  if (n.left >= 0) set_leftmost_gap(n.left, gap);
  else nodes_[size_t(t)].gap = gap;
  pull(t);
}

int FirstFit::lowest_fit(int t, int64_t bytes) const {
  while (t >= 0 && nodes_[size_t(t)].max_gap >= bytes) {
    const Node& n = nodes_[size_t(t)];
    if (n.left >= 0 && nodes_[size_t(n.left)].max_gap >= bytes) {
      t = n.left;
    } else if (n.gap >= bytes) {
      return t;
    } else {
      t = n.right;
    }
  }
  return -1;
}

void FirstFit::insert(int64_t off, int64_t end) {
  auto [l, r] = split(root_, off);
  int pred = rightmost(l);
  // splitmix64: a fixed priority sequence keeps the treap balanced in expectation.
  uint64_t z = (seed_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  Node node{off, end, off - (pred >= 0 ? nodes_[size_t(pred)].end : 0), 0, z ^ (z >> 31)};
  node.max_gap = node.gap;
  int t;
  if (!free_.empty()) {
    t = free_.back();
    free_.pop_back();
    nodes_[size_t(t)] = node;
  } else {
    t = int(nodes_.size());
    nodes_.push_back(node);
  }
  if (r >= 0) set_leftmost_gap(r, nodes_[size_t(leftmost(r))].off - end);
  root_ = merge(merge(l, t), r);
}

void FirstFit::erase(int64_t off) {
  auto [l, rest] = split(root_, off);
  auto [mid, r] = split(rest, off + 1);
  int pred = rightmost(l);
  if (r >= 0) set_leftmost_gap(r, nodes_[size_t(leftmost(r))].off - (pred >= 0 ? nodes_[size_t(pred)].end : 0));
  if (mid >= 0) free_.push_back(mid);  // offsets of live values are distinct: mid is one node
  root_ = merge(l, r);
}

int64_t FirstFit::place(int first, int last, int64_t bytes) {
  // Values whose last node comes before this one's first are free again.
  while (!expiry_.empty() && expiry_.top().first < first) {
    erase(expiry_.top().second);
    expiry_.pop();
  }
  int fit = lowest_fit(root_, bytes);
  int64_t off;
  if (fit >= 0) {
    off = nodes_[size_t(fit)].off - nodes_[size_t(fit)].gap;
  } else {
    int last_live = rightmost(root_);
    off = last_live >= 0 ? nodes_[size_t(last_live)].end : 0;
  }
  insert(off, off + bytes);
  expiry_.push({last, off});
  return off;
}

}  // namespace aivm
