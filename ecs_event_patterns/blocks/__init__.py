"""Building blocks every pattern shares: network, cluster, image, task, bucket, queues, alarms, targets."""
