#include "forward/udp_session_table.h"

#include <utility>

namespace flatnet::forward {

UdpSession* UdpSessionTable::Find(const SocketAddress& client) {
  auto found = by_client_.find(client);
  return found == by_client_.end() ? nullptr : &*found->second;
}

UdpSession& UdpSessionTable::Insert(UdpSession session) {
  SocketAddress client = session.client;
  Order& order = OrderOf(session);
  order.push_back(std::move(session));
  auto position = std::prev(order.end());
  by_client_[client] = position;
  return *position;
}

void UdpSessionTable::Touch(UdpSession& session, SteadyTime now) {
  session.last_active = now;
  Order& order = OrderOf(session);
  order.splice(order.end(), order, by_client_.at(session.client));
}

void UdpSessionTable::MarkAnswered(UdpSession& session) {
  if (session.answered) return;
  // splice keeps the iterator (and the UdpSession*) valid across the lists.
  answered_.splice(answered_.end(), unanswered_, by_client_.at(session.client));
  session.answered = true;
}

UdpSession UdpSessionTable::Evict() {
  return Remove(unanswered_.empty() ? answered_.front() : unanswered_.front());
}

UdpSession UdpSessionTable::Remove(UdpSession& session) {
  auto position = by_client_.at(session.client);
  Order& order = OrderOf(session);
  by_client_.erase(session.client);
  UdpSession removed = std::move(*position);
  order.erase(position);
  return removed;
}

UdpSessionTable::Order* UdpSessionTable::Oldest() {
  if (unanswered_.empty()) return answered_.empty() ? nullptr : &answered_;
  if (answered_.empty()) return &unanswered_;
  return answered_.front().last_active < unanswered_.front().last_active ? &answered_
                                                                         : &unanswered_;
}

std::vector<UdpSession> UdpSessionTable::TakeIdle(SteadyTime now,
                                                  std::chrono::nanoseconds idle_timeout) {
  std::vector<UdpSession> idle;
  for (Order* order = Oldest();
       order != nullptr && now - order->front().last_active >= idle_timeout; order = Oldest()) {
    idle.push_back(Remove(order->front()));
  }
  return idle;
}

std::vector<UdpSession> UdpSessionTable::TakeAll() {
  std::vector<UdpSession> all;
  for (Order* order = Oldest(); order != nullptr; order = Oldest()) {
    all.push_back(Remove(order->front()));
  }
  return all;
}

std::optional<SteadyTime> UdpSessionTable::NextExpiry(std::chrono::nanoseconds idle_timeout) const {
  SteadyTime oldest = SteadyTime::max();
  if (!unanswered_.empty()) oldest = unanswered_.front().last_active;
  if (!answered_.empty() && answered_.front().last_active < oldest) {
    oldest = answered_.front().last_active;
  }
  if (unanswered_.empty() && answered_.empty()) return std::nullopt;
  return oldest + std::chrono::duration_cast<SteadyTime::duration>(idle_timeout);
}

}  // namespace flatnet::forward
