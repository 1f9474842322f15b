// The arena planner's placement rule: greedy first-fit. Values are placed in
// definition order (nondecreasing `first`); each takes the lowest offset where
// it overlaps no placed value still live at its first node, i.e. the lowest gap
// between the live values, sorted by offset, that it fits in, else the end.
// The plan depends only on the sequence of requests, so every machine gets the
// same arena layout.
//
// O(log n) per value (expected): the live values sit in a treap ordered by
// offset, each node holding the gap before it and the largest gap below it, so
// the lowest fitting gap is one descent. (A scan of the live values per request
// was quadratic: a Split with 2^16 outputs took 51 s to plan.)
#pragma once
#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

namespace aivm {

class FirstFit {
 public:
  // The offset for a value live during nodes [first, last], `bytes` long.
  int64_t place(int first, int last, int64_t bytes);

 private:
  struct Node {
    int64_t off, end;     // the value's bytes [off, end)
    int64_t gap;          // free bytes between the previous live value (or 0) and off
    int64_t max_gap;      // the largest gap in this subtree
    uint64_t priority;    // heap order of the treap (any fixed sequence works)
    int left = -1, right = -1;
  };

  void pull(int t);
  std::pair<int, int> split(int t, int64_t key);  // (offsets < key, offsets >= key)
  int merge(int a, int b);                        // every offset in a < every offset in b
  int leftmost(int t) const;
  int rightmost(int t) const;
  void set_leftmost_gap(int t, int64_t gap);
  int lowest_fit(int t, int64_t bytes) const;
  void insert(int64_t off, int64_t end);
  void erase(int64_t off);

  std::vector<Node> nodes_;
  std::vector<int> free_;
  int root_ = -1;
  uint64_t seed_ = 0x9E3779B97F4A7C15ull;
  // Live values by their last node, soonest first: (last, offset).
  std::priority_queue<std::pair<int, int64_t>, std::vector<std::pair<int, int64_t>>, std::greater<>> expiry_;
};

}  // namespace aivm
