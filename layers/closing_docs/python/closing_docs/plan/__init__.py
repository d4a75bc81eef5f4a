"""The plan of a run: the start input parsed and checked at the edge (``request``), the limits of one execution
(``limits``), and the units of work it means (``planning``)."""
