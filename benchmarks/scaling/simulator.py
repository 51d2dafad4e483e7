"""A queue service scaled by its own alarms and policies, minute by minute, as AWS documents them.

CloudWatch and Application Auto Scaling, as modelled here (each rule with the page it comes from):
- One data point a minute per metric: SQS publishes its queue metrics and Container Insights its service
  metrics every minute. A gauge is sampled at the end of each minute, so Maximum = Average = that sample.
  An alarm whose query has a longer period (CDK's 5 minutes) takes the statistic over the minutes of each
  whole period. An alarm is evaluated every minute on its whole periods only.
- SQS publishes metrics only while a queue is active: a queue with no messages and no API call for six
  hours is inactive and its metrics are missing until a message arrives or a consumer polls
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
  Container Insights has no task to report for a service with none: its metrics are missing then.
- Alarm state: ALARM when at least `datapoints_to_alarm` of the last `evaluation_periods` data points
  breach; missing data points count as the alarm's `treat_missing_data` says (notBreaching, breaching;
  ignore and missing skip them, and with no data at all the state stays)
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
- Step scaling: while the alarm stays in ALARM its policy runs again each minute ("the adjustments can
  continue for additional alarm breaches until the alarm state returns to OK"); the step is chosen by the
  breach size (metric - threshold), lower bound inclusive and upper exclusive above the threshold, the other
  way round below it (API_StepAdjustment); during a scale-out cooldown the capacity the initiating activity
  added counts towards the next, and a scale-in is blocked until its cooldown ends
  (https://docs.aws.amazon.com/autoscaling/application/userguide/step-scaling-policy-overview.html,
  API_StepScalingPolicyConfiguration).
- Target tracking: Application Auto Scaling creates the alarms. Modelled as AWS creates them for a 1-minute
  metric: scale out when the metric is above the target for 3 consecutive minutes, scale in when it is
  below 90 % of the target for 15 ("only if the metric falls below a threshold below the target, typically
  more than 10 % lower"), missing data left as `missing`. New capacity = ceil(current capacity x metric /
  target), within the bounds (so down to a minimum of 0); the cooldowns as for step scaling
  (https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html).
  At capacity 0, one data point above the target starts the minimum, one task ("when actual capacity is 0
  and the metric indicates that there is workload demand, Service Auto Scaling waits for one data point
  ... it scales out by the minimum possible amount",
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-stepscaling.html).

The service and its work, as assumptions (stated in every report):
- A task runs `concurrency` jobs at once; each job takes `job_seconds`. A task starts `start_seconds`
  after the desired count asks for it (Fargate provisioning, image pull, process start) and is billed from
  then on, while pending too. It polls the queue while running, which keeps the queue active.
- A poison message fails every time; it comes back after the visibility timeout and moves to the
  dead-letter queue on the receive after `max_receive_count`.
- Scale-in stops pending tasks first, then idle ones. With `scale_in_protection` (our worker holds ECS task
  protection while busy) a busy task is never stopped; without it (CDK's default worker), a busy task is
  stopped and its messages are released at once.
- CDK's CPU target tracking is left out: the model's jobs wait on I/O, so CPU stays between its alarms.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from benchmarks.scaling.metric_math import Node, Value, compile_expression
from benchmarks.scaling.policies import Alarm, Query, ScalingSetup, StepPolicy, TargetTracking

STEP_SECONDS = 5
TARGET_TRACKING_HIGH_MINUTES = 3
TARGET_TRACKING_LOW_MINUTES = 15
TARGET_TRACKING_LOW_FRACTION = 0.9
INACTIVE_QUEUE_SECONDS = 6 * 3600
OLD_MESSAGE_SECONDS = 300


@dataclass(frozen=True)
class Workload:
    concurrency: int
    job_seconds: float
    start_seconds: float
    visibility_timeout_seconds: float
    max_receive_count: int
    scale_in_protection: bool

    def describe(self) -> str:
        return (
            f"each task runs {self.concurrency} jobs at once, {self.job_seconds:g} s each "
            f"({self.concurrency / self.job_seconds:.2f} messages/s a task); a task runs "
            f"{self.start_seconds:g} s after it is asked for; visibility timeout "
            f"{self.visibility_timeout_seconds:g} s, dead-letter after {self.max_receive_count} receives"
        )


@dataclass(frozen=True)
class Arrival:
    second: int
    count: int
    poison: bool = False


@dataclass
class _Message:
    arrived: float
    poison: bool
    receives: int = 0


@dataclass
class _Task:
    running_at: float
    busy: int = 0


@dataclass(frozen=True)
class Outcome:
    first_task_minutes: float | None
    """From the first message to the first running task (0 when one was already running)."""
    drain_minutes: float | None
    """From the last arrival until every message is done or dead-lettered (None: not within the trace)."""
    peak_tasks: int
    task_minutes: float
    idle_task_minutes: float
    """Task-minutes before the first message arrived."""
    old_messages: int
    """Messages done more than 5 minutes after they arrived, dead-lettered, or never done."""
    done: int
    dead_lettered: int
    task_starts: int = 0
    """Tasks started during the trace (those running at its start, the minimum, not counted)."""
    minute_tasks: tuple[int, ...] = ()
    """Tasks (pending or running) at the end of each minute: what Fargate bills, and the Spot split."""


def _statistic(stat: str, samples: list[float]) -> float:
    match stat:
        case "Maximum":
            return max(samples)
        case "Minimum":
            return min(samples)
        case "Sum":
            return sum(samples)
        case _:
            return sum(samples) / len(samples)


class _MetricMath:
    """The queries of one alarm or policy: each period's value of the query that returns data."""

    def __init__(self, queries: tuple[Query, ...], period_minutes: int) -> None:
        self._queries = queries
        self._compiled: dict[str, Node] = {
            q.id: compile_expression(q.expression) for q in queries if q.expression is not None
        }
        [self._result] = [q.id for q in queries if q.return_data]
        self.period_minutes = period_minutes
        self._cache: dict[int, Value] = {}

    def datapoint(self, period: int, series: Mapping[str, list[Value]]) -> Value:
        if period not in self._cache:
            first = period * self.period_minutes
            values: dict[str, Value] = {}
            for query in self._queries:
                if query.expression is not None:
                    values[query.id] = self._compiled[query.id](values)
                    continue
                assert query.metric_name is not None
                samples = [
                    v for v in series[query.metric_name][first : first + self.period_minutes] if v is not None
                ]
                values[query.id] = _statistic(query.stat, samples) if samples else None
            self._cache[period] = values[self._result]
        return self._cache[period]


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
}


class _AlarmState:
    def __init__(self, alarm: Alarm) -> None:
        self.alarm = alarm
        self.math = _MetricMath(alarm.queries, alarm.period_minutes)
        self.in_alarm = False

    def evaluate(self, minutes_done: int, series: Mapping[str, list[Value]]) -> Value:
        """Update the state after `minutes_done` whole minutes; the latest data point when in ALARM."""
        alarm = self.alarm
        last = minutes_done // alarm.period_minutes - 1
        if last < 0:
            return None
        window = [
            self.math.datapoint(p, series)
            for p in range(max(0, last - alarm.evaluation_periods + 1), last + 1)
        ]
        breaching, known = 0, 0
        for value in window:
            if value is None:
                if alarm.treat_missing_data == "breaching":
                    breaching, known = breaching + 1, known + 1
                elif alarm.treat_missing_data == "notBreaching":
                    known += 1
                continue
            known += 1
            breaching += _COMPARE[alarm.comparison](value, alarm.threshold)
        if known:
            self.in_alarm = breaching >= alarm.datapoints_to_alarm
        elif alarm.treat_missing_data == "missing":
            self.in_alarm = False  # INSUFFICIENT_DATA: no action
        return window[-1] if self.in_alarm else None


@dataclass
class _Cooldowns:
    """Per policy: when it last scaled out (and from what capacity) and last scaled in."""

    out_at: float = -math.inf
    out_base: int = 0
    in_at: float = -math.inf


def _step_for(policy: StepPolicy, breach: float) -> float | None:
    above = policy.alarm.comparison.startswith("Greater")
    for step in policy.steps:
        lower = -math.inf if step.lower is None else step.lower
        upper = math.inf if step.upper is None else step.upper
        inside = lower <= breach < upper if above else lower < breach <= upper
        if inside:
            return step.adjustment
    return None


@dataclass
class Simulation:
    setup: ScalingSetup
    workload: Workload
    desired: int = field(init=False)

    def __post_init__(self) -> None:
        self.desired = self.setup.min_capacity
        self._alarms = [(_AlarmState(p.alarm), p) for p in self.setup.step_policies]
        self._tracking = [
            (
                tracking,
                _AlarmState(
                    Alarm(
                        f"{tracking.name}-high",
                        tracking.queries,
                        "GreaterThanThreshold",
                        tracking.target,
                        TARGET_TRACKING_HIGH_MINUTES,
                        TARGET_TRACKING_HIGH_MINUTES,
                        "missing",
                    )
                ),
                _AlarmState(
                    Alarm(
                        f"{tracking.name}-low",
                        tracking.queries,
                        "LessThanThreshold",
                        TARGET_TRACKING_LOW_FRACTION * tracking.target,
                        TARGET_TRACKING_LOW_MINUTES,
                        TARGET_TRACKING_LOW_MINUTES,
                        "missing",
                    )
                ),
            )
            for tracking in self.setup.target_tracking
        ]
        self._cooldowns: dict[str, _Cooldowns] = {}
        self._starts = 0

    def run(self, arrivals: Iterable[Arrival], seconds: int) -> Outcome:
        work = self.workload
        pending = sorted(arrivals, key=lambda a: a.second)
        first_arrival = pending[0].second if pending else None
        last_arrival = pending[-1].second if pending else None
        visible: deque[_Message] = deque()
        returning: list[tuple[float, int, _Message]] = []
        in_flight: list[tuple[float, int, _Message, _Task]] = []
        tasks = [_Task(running_at=0.0) for _ in range(self.desired)]
        series: dict[str, list[Value]] = {
            name: []
            for name in (
                "ApproximateNumberOfMessagesVisible",
                "ApproximateNumberOfMessagesNotVisible",
                "NumberOfMessagesReceived",
                "DesiredTaskCount",
                "RunningTaskCount",
            )
        }
        received = 0
        counter = 0
        last_activity = 0.0
        done = dead = old = peak = 0
        task_seconds = idle_task_seconds = 0.0
        first_running: float | None = None
        finished_at: float | None = None
        next_arrival = 0
        minute_tasks: list[int] = []
        for second in range(0, seconds, STEP_SECONDS):
            while next_arrival < len(pending) and pending[next_arrival].second <= second:
                arrival = pending[next_arrival]
                visible.extend(_Message(arrival.second, arrival.poison) for _ in range(arrival.count))
                last_activity = second
                next_arrival += 1
            while returning and returning[0][0] <= second:
                visible.append(heapq.heappop(returning)[2])
            while in_flight and in_flight[0][0] <= second:
                _, _, message, task = heapq.heappop(in_flight)
                task.busy -= 1
                if message.poison:
                    counter += 1
                    heapq.heappush(returning, (second + work.visibility_timeout_seconds, counter, message))
                else:
                    done += 1
                    old += second - message.arrived > OLD_MESSAGE_SECONDS
            tasks = self._reconcile(tasks, second, in_flight, visible)
            running = [task for task in tasks if task.running_at <= second]
            if running:
                last_activity = second
                if first_running is None and first_arrival is not None and second >= first_arrival:
                    first_running = second
            for task in running:
                while task.busy < work.concurrency and visible:
                    message = visible.popleft()
                    if message.receives >= work.max_receive_count:
                        dead += 1
                        old += 1
                        continue
                    message.receives += 1
                    received += 1
                    task.busy += 1
                    counter += 1
                    heapq.heappush(in_flight, (second + work.job_seconds, counter, message, task))
            if (
                finished_at is None
                and next_arrival == len(pending)
                and not visible
                and not in_flight
                and not returning
            ):
                finished_at = second
            peak = max(peak, len(tasks))
            task_seconds += len(tasks) * STEP_SECONDS
            if first_arrival is not None and second < first_arrival:
                idle_task_seconds += len(tasks) * STEP_SECONDS
            if (second + STEP_SECONDS) % 60 == 0:
                active = second + STEP_SECONDS - last_activity <= INACTIVE_QUEUE_SECONDS
                self._sample(series, active, visible, in_flight, returning, received, tasks, second)
                received = 0
                minute_tasks.append(len(tasks))
                self._scale(len(series["DesiredTaskCount"]), series, second)
        unfinished = len(visible) + len(in_flight) + len(returning)
        first_task = None
        if first_arrival is not None and first_running is not None:
            first_task = max(0.0, first_running - first_arrival) / 60
        drain = None
        if finished_at is not None and last_arrival is not None:
            drain = (finished_at - last_arrival) / 60
        return Outcome(
            first_task_minutes=first_task,
            drain_minutes=drain,
            peak_tasks=peak,
            task_minutes=task_seconds / 60,
            idle_task_minutes=idle_task_seconds / 60,
            old_messages=old + unfinished,
            done=done,
            dead_lettered=dead,
            task_starts=self._starts,
            minute_tasks=tuple(minute_tasks),
        )

    def _sample(
        self,
        series: dict[str, list[Value]],
        queue_active: bool,
        visible: deque[_Message],
        in_flight: list[tuple[float, int, _Message, _Task]],
        returning: list[tuple[float, int, _Message]],
        received: int,
        tasks: list[_Task],
        second: int,
    ) -> None:
        """Gauges: the state at the minute's end; `NumberOfMessagesReceived`: a count over the minute."""
        running = sum(task.running_at <= second for task in tasks)
        has_tasks = bool(tasks) or self.desired > 0
        series["ApproximateNumberOfMessagesVisible"].append(float(len(visible)) if queue_active else None)
        series["ApproximateNumberOfMessagesNotVisible"].append(
            float(len(in_flight) + len(returning)) if queue_active else None
        )
        series["NumberOfMessagesReceived"].append(float(received) if queue_active else None)
        series["DesiredTaskCount"].append(float(self.desired) if has_tasks else None)
        series["RunningTaskCount"].append(float(running) if has_tasks else None)

    def _reconcile(
        self,
        tasks: list[_Task],
        second: int,
        in_flight: list[tuple[float, int, _Message, _Task]],
        visible: deque[_Message],
    ) -> list[_Task]:
        """ECS: start tasks up to the desired count, or stop the surplus (pending first, then idle)."""
        if len(tasks) < self.desired:
            self._starts += self.desired - len(tasks)
            return tasks + [
                _Task(running_at=second + self.workload.start_seconds)
                for _ in range(self.desired - len(tasks))
            ]
        surplus = len(tasks) - self.desired
        if surplus <= 0:
            return tasks
        order = sorted(tasks, key=lambda task: (task.running_at <= second, task.busy))
        stopping: list[_Task] = []
        for task in order:
            if len(stopping) == surplus:
                break
            if task.busy and self.workload.scale_in_protection:
                continue
            stopping.append(task)
        if any(task.busy for task in stopping):
            stopped = {id(task) for task in stopping}
            released = [entry for entry in in_flight if id(entry[3]) in stopped]
            in_flight[:] = [entry for entry in in_flight if id(entry[3]) not in stopped]
            heapq.heapify(in_flight)
            visible.extendleft(entry[2] for entry in released)
        return [task for task in tasks if all(task is not stopped for stopped in stopping)]

    def _scale(self, minutes_done: int, series: Mapping[str, list[Value]], second: int) -> None:
        now = float(second + STEP_SECONDS)
        for state, policy in self._alarms:
            value = state.evaluate(minutes_done, series)
            if value is None:
                continue
            adjustment = _step_for(policy, value - policy.alarm.threshold)
            if adjustment is None:
                continue
            if policy.adjustment_type == "ExactCapacity":
                wanted = int(adjustment)
                self._apply(policy.name, wanted, now, policy.cooldown_seconds, policy.cooldown_seconds, None)
            else:
                self._apply(
                    policy.name, None, now, policy.cooldown_seconds, policy.cooldown_seconds, int(adjustment)
                )
        for tracking, high, low in self._tracking:
            latest = high.math.datapoint(minutes_done - 1, series)
            rising = high.evaluate(minutes_done, series)
            falling = low.evaluate(minutes_done, series)
            if self.desired == 0:
                if latest is not None and latest > tracking.target:
                    self._apply(tracking.name, 1, now, tracking.scale_out_cooldown_seconds, 0, None)
            elif rising is not None:
                self._track(tracking, rising, now, scale_out=True)
            elif falling is not None and not tracking.disable_scale_in:
                self._track(tracking, falling, now, scale_out=False)

    def _track(self, tracking: TargetTracking, value: float, now: float, *, scale_out: bool) -> None:
        cooldown = self._cooldowns.setdefault(tracking.name, _Cooldowns())
        base = self.desired
        if scale_out and now - cooldown.out_at < tracking.scale_out_cooldown_seconds:
            base = cooldown.out_base
        wanted = math.ceil(base * value / tracking.target - 1e-9)
        self._apply(
            tracking.name,
            wanted,
            now,
            tracking.scale_out_cooldown_seconds,
            tracking.scale_in_cooldown_seconds,
            None,
        )

    def _apply(
        self,
        policy: str,
        exact: int | None,
        now: float,
        out_cooldown: float,
        in_cooldown: float,
        change: int | None,
    ) -> None:
        cooldown = self._cooldowns.setdefault(policy, _Cooldowns())
        if change is not None:
            in_out_cooldown = now - cooldown.out_at < out_cooldown
            base = cooldown.out_base if change > 0 and in_out_cooldown else self.desired
            wanted = base + change
        else:
            assert exact is not None
            wanted = exact
        wanted = max(self.setup.min_capacity, min(self.setup.max_capacity, wanted))
        if wanted > self.desired:
            if now - cooldown.out_at >= out_cooldown:
                cooldown.out_base = self.desired
            cooldown.out_at = now
            self.desired = wanted
        elif wanted < self.desired and now - cooldown.in_at >= in_cooldown:
            cooldown.in_at = now
            self.desired = wanted
