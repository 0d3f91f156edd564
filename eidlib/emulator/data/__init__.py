"""Package data of the virtual card.

``specimen-photo.jpg``: the default EF(ID#Photo), a fictional 150×195 8-bit greyscale
baseline JPEG (a drawn head-and-shoulders figure marked "SPECIMEN", about 2 KB), made
once with Pillow. Pillow is not a dependency: the file is shipped as it is.
"""
