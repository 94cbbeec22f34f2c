#include "forward/udp_session_table.h"

#include <utility>

namespace flatnet::forward {

UdpSession* UdpSessionTable::Find(const SocketAddress& client) {
  auto found = by_client_.find(client);
  return found == by_client_.end() ? nullptr : &*found->second;
}

UdpSession& UdpSessionTable::Insert(UdpSession session) {
  SocketAddress client = session.client;
  sessions_.push_back(std::move(session));
  auto position = std::prev(sessions_.end());
  by_client_[client] = position;
  return *position;
}

void UdpSessionTable::Touch(UdpSession& session, SteadyTime now) {
  session.last_active = now;
  auto position = by_client_.at(session.client);
  sessions_.splice(sessions_.end(), sessions_, position);
}

UdpSession UdpSessionTable::EvictLeastRecent() { return Remove(sessions_.front()); }

UdpSession UdpSessionTable::Remove(UdpSession& session) {
  auto position = by_client_.at(session.client);
  by_client_.erase(session.client);
  UdpSession removed = std::move(*position);
  sessions_.erase(position);
  return removed;
}

std::vector<UdpSession> UdpSessionTable::TakeIdle(SteadyTime now,
                                                  std::chrono::nanoseconds idle_timeout) {
  std::vector<UdpSession> idle;
  while (!sessions_.empty() && now - sessions_.front().last_active >= idle_timeout) {
    idle.push_back(Remove(sessions_.front()));
  }
  return idle;
}

std::vector<UdpSession> UdpSessionTable::TakeAll() {
  std::vector<UdpSession> all;
  while (!sessions_.empty()) all.push_back(Remove(sessions_.front()));
  return all;
}

std::optional<SteadyTime> UdpSessionTable::NextExpiry(std::chrono::nanoseconds idle_timeout) const {
  if (sessions_.empty()) return std::nullopt;
  return sessions_.front().last_active +
         std::chrono::duration_cast<SteadyTime::duration>(idle_timeout);
}

}  // namespace flatnet::forward
