-- The night before D when its registry landed (its verdict accepted it): the state night D's events apply to.
SELECT night FROM ops.validation_result
WHERE suite = 'dukcapil' AND success AND night = %(night)s::date - 1
